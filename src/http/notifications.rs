//! The caller's notifications: list, unread count, mark as read.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::AuthUser;
use crate::domain::error::{ApiError, ApiResult, ErrorBody};
use crate::domain::fields;
use crate::domain::pagination::{Cursor, Page, PageQuery};
use crate::http::extract::{Json, Query};
use crate::notifications::notification_select;
use crate::notifications::{Notification, NotificationRow};
use crate::state::AppState;
use crate::store::with_db;

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
    // Ids only grow, so the id alone orders them; served by
    // notifications_recipient (recipient_id, id).
    let before = page.before();
    let rows: Vec<NotificationRow> = with_db!(&state.db, pool, {
        sqlx::query_as(concat!(
            notification_select!(),
            " WHERE n.recipient_id = $1 AND n.id < $2 ORDER BY n.id DESC LIMIT $3"
        ))
        .bind(me.id)
        .bind(before.id)
        .bind(page.fetch_limit())
        .fetch_all(pool)
        .await?
    });
    let notifications: Vec<Notification> = rows
        .into_iter()
        .filter_map(|row| row.into_notification(state.urls()))
        .collect();
    Ok(Json(Page::from_rows(notifications, &page, |n| Cursor {
        at: n.created_at,
        id: n.id.0,
    })))
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
    // Served by the partial index notifications_unread.
    let count: i64 = with_db!(&state.db, pool, {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE recipient_id = $1 AND NOT read",
        )
        .bind(me.id)
        .fetch_one(pool)
        .await?
    });
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
    with_db!(&state.db, pool, {
        sqlx::query(
            "UPDATE notifications SET read = TRUE WHERE recipient_id = $1 AND id <= $2 AND NOT read",
        )
        .bind(me.id)
        .bind(up_to_id)
        .execute(pool)
        .await
        .map(drop)?
    });
    Ok(StatusCode::NO_CONTENT)
}
