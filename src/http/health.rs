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
        (status = 200, description = "The database answers", body = Health),
        (status = 503, description = "The database does not answer (`unavailable`, with `Retry-After`)", body = ErrorBody),
    ),
)]
async fn ready(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    state
        .db
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(anyhow::Error::new(e)))?;
    Ok(Json(Health { status: "ok" }))
}
