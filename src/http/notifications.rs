//! The caller's notifications: list, unread count, mark as read.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::auth::AuthUser;
use crate::domain::error::{ApiError, ApiResult, ErrorBody};
use crate::domain::fields;
use crate::domain::pagination::{Page, PageQuery};
use crate::domain::Notification;
use crate::http::extract::{Json, Query};
use crate::http::state::AppState;
use crate::store::notifications;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(unread_count))
        .routes(routes!(mark_read))
}

/// The caller's notifications, newest first.
#[utoipa::path(
    get,
    path = "/api/notifications",
    tag = "notifications",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of notifications", body = Page<Notification>),
        (status = 400, description = "Invalid limit or cursor", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn list(
    State(state): State<AppState>,
    me: AuthUser,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<Notification>>> {
    let page = page.parse()?;
    let notifications = notifications::page(&state.db, state.urls(), me.id, &page).await?;
    Ok(Json(notifications))
}

#[derive(Serialize, ToSchema)]
pub struct UnreadCount {
    pub count: i64,
}

/// How many of the caller's notifications are unread.
#[utoipa::path(
    get,
    path = "/api/notifications/unread_count",
    tag = "notifications",
    responses(
        (status = 200, description = "The unread count", body = UnreadCount),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn unread_count(State(state): State<AppState>, me: AuthUser) -> ApiResult<Json<UnreadCount>> {
    let count = notifications::unread_count(&state.db, me.id).await?;
    Ok(Json(UnreadCount { count }))
}

#[derive(Deserialize, ToSchema)]
pub struct MarkRead {
    /// Every notification of the caller with an id up to this one is marked read.
    #[schema(value_type = i64, minimum = 0)]
    up_to_id: serde_json::Number,
}

/// Marks the caller's notifications read, up to an id.
#[utoipa::path(
    post,
    path = "/api/notifications/read",
    tag = "notifications",
    request_body = MarkRead,
    responses(
        (status = 204, description = "Marked"),
        (status = 400, description = "Missing or invalid up_to_id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn mark_read(
    State(state): State<AppState>,
    me: AuthUser,
    Json(request): Json<MarkRead>,
) -> ApiResult<StatusCode> {
    let up_to_id = fields::whole_number("up_to_id", &request.up_to_id)?;
    if up_to_id < 0 {
        return Err(ApiError::invalid("up_to_id", "must not be negative"));
    }
    notifications::mark_read(&state.db, me.id, up_to_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
