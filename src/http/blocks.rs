//! Blocking and muting other accounts, removing a follower, and the
//! caller's lists of blocked and muted accounts.

use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::auth::AuthUser;
use crate::domain::error::{ApiError, ApiResult, ErrorBody};
use crate::domain::ids::UserId;
use crate::domain::pagination::{Page, PageQuery};
use crate::domain::{ShortUser, User};
use crate::http::extract::{Json, Path, Query};
use crate::http::follows::profile;
use crate::http::state::AppState;
use crate::http::users::account_id_by_username;
use crate::services::blocks;
use crate::store;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(block, unblock))
        .routes(routes!(mute, unmute))
        .routes(routes!(remove_follower))
        .routes(routes!(blocked))
        .routes(routes!(muted))
}

/// The error code and message for acting on oneself.
type SelfRefusal = (&'static str, &'static str);
const SELF_BLOCK: SelfRefusal = ("cannot_block_self", "you cannot block yourself");
const SELF_MUTE: SelfRefusal = ("cannot_mute_self", "you cannot mute yourself");

/// Charges the write to `me` and finds the other account of a block or
/// mute. Blocking or muting oneself is a 400 (`refusal`); lifting either
/// from oneself has nothing to lift and changes nothing, like unfollowing.
async fn other_account(
    state: &AppState,
    me: UserId,
    username: &str,
    refusal: Option<SelfRefusal>,
) -> ApiResult<UserId> {
    state.limits.write(me).await?;
    let target = account_id_by_username(&state.db, username).await?;
    match refusal {
        Some((code, message)) if target == me => Err(ApiError::bad_request(code, message)),
        _ => Ok(target),
    }
}

/// Blocks a user (idempotent): neither of you sees the other's profile,
/// posts, comments or lists any more, and neither can follow, like,
/// comment on or mention the other; the follows between you end, both ways.
#[utoipa::path(
    put,
    path = "/api/users/{username}/block",
    tag = "users",
    params(("username" = String, Path, description = "Who to block")),
    responses(
        (status = 200, description = "Their account, now blocked", body = User),
        (status = 400, description = "Blocking yourself", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 429, description = "Too many writes from this account; see Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn block(
    State(state): State<AppState>,
    me: AuthUser,
    Path(username): Path<String>,
) -> ApiResult<Json<User>> {
    let target = other_account(&state, me.id, &username, Some(SELF_BLOCK)).await?;
    blocks::block(&state.services(), me.id, target).await?;
    profile(&state, target, me.id).await
}

/// Lifts a block (idempotent); the follows it ended stay ended.
#[utoipa::path(
    delete,
    path = "/api/users/{username}/block",
    tag = "users",
    params(("username" = String, Path, description = "Who to unblock")),
    responses(
        (status = 200, description = "Their account, no longer blocked", body = User),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 429, description = "Too many writes from this account; see Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn unblock(
    State(state): State<AppState>,
    me: AuthUser,
    Path(username): Path<String>,
) -> ApiResult<Json<User>> {
    let target = other_account(&state, me.id, &username, None).await?;
    store::blocks::unblock(&state.db, me.id, target).await?;
    profile(&state, target, me.id).await
}

#[derive(Deserialize, IntoParams)]
pub struct MuteQuery {
    /// Also silence their notifications (default: only their posts leave
    /// your feed and live events).
    #[param(value_type = Option<bool>)]
    notifications: Option<String>,
}

/// Mutes a user (idempotent; muting again sets `notifications` anew):
/// their posts leave your feed and your live `post` events, and with
/// `?notifications=true` you no longer hear from them. They notice nothing.
#[utoipa::path(
    put,
    path = "/api/users/{username}/mute",
    tag = "users",
    params(("username" = String, Path, description = "Who to mute"), MuteQuery),
    responses(
        (status = 200, description = "Their account, now muted", body = User),
        (status = 400, description = "Muting yourself, or notifications not true or false", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 429, description = "Too many writes from this account; see Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn mute(
    State(state): State<AppState>,
    me: AuthUser,
    Path(username): Path<String>,
    Query(query): Query<MuteQuery>,
) -> ApiResult<Json<User>> {
    let notifications = match query.notifications.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::invalid("notifications", "must be true or false")),
    };
    let target = other_account(&state, me.id, &username, Some(SELF_MUTE)).await?;
    blocks::mute(&state.services(), me.id, target, notifications).await?;
    profile(&state, target, me.id).await
}

/// Lifts a mute (idempotent).
#[utoipa::path(
    delete,
    path = "/api/users/{username}/mute",
    tag = "users",
    params(("username" = String, Path, description = "Who to unmute")),
    responses(
        (status = 200, description = "Their account, no longer muted", body = User),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 429, description = "Too many writes from this account; see Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn unmute(
    State(state): State<AppState>,
    me: AuthUser,
    Path(username): Path<String>,
) -> ApiResult<Json<User>> {
    let target = other_account(&state, me.id, &username, None).await?;
    store::blocks::unmute(&state.db, me.id, target).await?;
    profile(&state, target, me.id).await
}

/// Removes a user from your followers (idempotent), without blocking them:
/// they may follow you again.
#[utoipa::path(
    delete,
    path = "/api/users/{username}/follower",
    tag = "users",
    params(("username" = String, Path, description = "The follower to remove")),
    responses(
        (status = 200, description = "Their account, no longer following you", body = User),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 429, description = "Too many writes from this account; see Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn remove_follower(
    State(state): State<AppState>,
    me: AuthUser,
    Path(username): Path<String>,
) -> ApiResult<Json<User>> {
    state.limits.write(me.id).await?;
    let follower = account_id_by_username(&state.db, &username).await?;
    store::follows::unfollow(&state.db, follower, me.id).await?;
    profile(&state, follower, me.id).await
}

/// The accounts you blocked, most recent first.
#[utoipa::path(
    get,
    path = "/api/me/blocks",
    tag = "me",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of short users", body = Page<ShortUser>),
        (status = 400, description = "Invalid limit or cursor", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn blocked(
    State(state): State<AppState>,
    me: AuthUser,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<ShortUser>>> {
    let page = page.parse()?;
    Ok(Json(
        store::blocks::blocked_by(&state.db, state.urls(), me.id, &page).await?,
    ))
}

/// The accounts you muted, most recent first.
#[utoipa::path(
    get,
    path = "/api/me/mutes",
    tag = "me",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of short users", body = Page<ShortUser>),
        (status = 400, description = "Invalid limit or cursor", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn muted(
    State(state): State<AppState>,
    me: AuthUser,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<ShortUser>>> {
    let page = page.parse()?;
    Ok(Json(
        store::blocks::muted_by(&state.db, state.urls(), me.id, &page).await?,
    ))
}
