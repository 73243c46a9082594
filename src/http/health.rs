//! Probes for load balancers and orchestrators: `GET /api/health` says the
//! process is up (liveness, no dependency touched, so a database outage does
//! not get every instance restarted); `GET /api/ready` says whether it can
//! serve, that is whether the database answers.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::Json;
use crate::http::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ready))
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` in a 200 answer.
    #[schema(example = "ok")]
    pub status: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct Ready {
    /// Always `ok` in a 200 answer: the database answers.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// Only with `REDIS_URL`: `ok` while live events cross instances,
    /// `degraded` while Redis is unreachable (same-instance delivery goes on).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, pattern = "^(ok|degraded)$")]
    pub redis: Option<&'static str>,
}

/// Liveness: the process is up and answering. Touches no dependency.
#[utoipa::path(
    get,
    path = "/api/health",
    tag = "health",
    responses(
        (status = 200, description = "The process is up", body = Health),
    ),
)]
async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness: the database answers, so requests can be served.
#[utoipa::path(
    get,
    path = "/api/ready",
    tag = "health",
    responses(
        (status = 200, description = "The database answers; `redis` says whether live events cross instances", body = Ready),
        (status = 503, description = "The database does not answer (`unavailable`, with `Retry-After`)", body = ErrorBody),
    ),
)]
async fn ready(State(state): State<AppState>) -> ApiResult<Json<Ready>> {
    state
        .db
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(anyhow::Error::new(e)))?;
    let redis = state
        .redis
        .as_ref()
        .map(|health| if health.is_up() { "ok" } else { "degraded" });
    Ok(Json(Ready {
        status: "ok",
        redis,
    }))
}
