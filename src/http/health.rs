//! `GET /api/health`: is the process up and does the database answer?

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::Json;
use crate::http::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health))
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` in a 200 answer.
    pub status: &'static str,
}

/// Liveness and database reachability.
#[utoipa::path(
    get,
    path = "/api/health",
    tag = "health",
    responses(
        (status = 200, description = "The server and its database answer", body = Health),
        (status = 503, description = "The database does not answer", body = ErrorBody),
    ),
)]
async fn health(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    state
        .db
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(anyhow::Error::new(e)))?;
    Ok(Json(Health { status: "ok" }))
}
