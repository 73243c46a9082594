//! Requests to follow the caller's private account: the list, approving
//! and rejecting. (Asking is `PUT /api/users/{username}/follow`; cancelling
//! is its `DELETE`; privacy is switched with `PATCH /api/me`.)

use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::auth::AuthUser;
use crate::domain::error::{ApiResult, ErrorBody};
use crate::domain::pagination::{Page, PageQuery};
use crate::domain::{ShortUser, User};
use crate::http::extract::{Json, Path, Query};
use crate::http::follows::profile;
use crate::http::state::AppState;
use crate::http::users::id_by_username;
use crate::services::follows;
use crate::store;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(follow_requests))
        .routes(routes!(approve, reject))
}

/// The accounts that asked to follow you and await your answer, most
/// recent first.
#[utoipa::path(
    get,
    path = "/api/me/follow_requests",
    tag = "me",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of short users", body = Page<ShortUser>),
        (status = 400, description = "Invalid limit or cursor", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn follow_requests(
    State(state): State<AppState>,
    me: AuthUser,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<ShortUser>>> {
    let page = page.parse()?;
    Ok(Json(
        store::follow_requests::pending(&state.db, state.urls(), me.id, &page).await?,
    ))
}

/// Approves a follow request: they follow you from now on, and hear of it
/// (a `follow_accepted` notification).
#[utoipa::path(
    put,
    path = "/api/me/follow_requests/{username}",
    tag = "me",
    params(("username" = String, Path, description = "Who asked to follow you")),
    responses(
        (status = 200, description = "Their account, now following you", body = User),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such user, or no pending request of theirs", body = ErrorBody),
        (status = 429, description = "Too many writes from this account; see Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn approve(
    State(state): State<AppState>,
    me: AuthUser,
    Path(username): Path<String>,
) -> ApiResult<Json<User>> {
    state.limits.write(me.id).await?;
    let requester = id_by_username(&state.db, &username, Some(me.id)).await?;
    follows::approve(&state.services(), me.id, requester).await?;
    profile(&state, requester, me.id).await
}

/// Rejects a follow request (idempotent: with no pending request there is
/// nothing to reject, and the answer is the same). They are not told and
/// may ask again.
#[utoipa::path(
    delete,
    path = "/api/me/follow_requests/{username}",
    tag = "me",
    params(("username" = String, Path, description = "Who asked to follow you")),
    responses(
        (status = 200, description = "Their account, not following you", body = User),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 429, description = "Too many writes from this account; see Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn reject(
    State(state): State<AppState>,
    me: AuthUser,
    Path(username): Path<String>,
) -> ApiResult<Json<User>> {
    state.limits.write(me.id).await?;
    let requester = id_by_username(&state.db, &username, Some(me.id)).await?;
    store::follow_requests::reject(&state.db, me.id, requester).await?;
    profile(&state, requester, me.id).await
}
