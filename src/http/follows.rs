//! The follow graph: follow, unfollow, followers and following lists.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::auth::AuthUser;
use crate::domain::error::{ApiError, ApiResult, ErrorBody};
use crate::domain::ids::UserId;
use crate::domain::pagination::{parse_limit, Page, PageQuery};
use crate::domain::{ShortUser, User};
use crate::http::auth_user::MaybeAuthUser;
use crate::http::extract::{Json, Path, Query};
use crate::http::state::AppState;
use crate::http::users;
use crate::services::follows;
use crate::store;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(follow, unfollow))
        .routes(routes!(followers))
        .routes(routes!(following))
        .routes(routes!(suggestions))
}

/// The account `viewer` just acted on, with the relations the act changed.
pub(crate) async fn profile(state: &AppState, id: UserId, viewer: UserId) -> ApiResult<Json<User>> {
    let user = store::users::related(&state.db, state.urls(), id, Some(viewer))
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(Json(user))
}

/// Follows a user (idempotent); they are notified once, ever. A private
/// account is asked instead: the answer has `follow_requested: true` (and
/// `followed_by_me` stays false) until they approve.
#[utoipa::path(
    put,
    path = "/api/users/{username}/follow",
    tag = "users",
    params(("username" = String, Path, description = "Who to follow")),
    responses(
        (status = 200, description = "Their profile, now followed (or, if private, requested)", body = User),
        (status = 400, description = "Following yourself", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 429, description = "Too many writes from this account; see Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn follow(
    State(state): State<AppState>,
    me: AuthUser,
    Path(username): Path<String>,
) -> ApiResult<Json<User>> {
    state.limits.write(me.id).await?;
    let target = users::id_by_username(&state.db, &username, Some(me.id)).await?;
    follows::follow(&state.services(), me.id, target).await?;
    profile(&state, target, me.id).await
}

/// Stops following a user, or cancels a pending request to (idempotent).
#[utoipa::path(
    delete,
    path = "/api/users/{username}/follow",
    tag = "users",
    params(("username" = String, Path, description = "Who to unfollow")),
    responses(
        (status = 200, description = "Their profile, no longer followed nor requested", body = User),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 429, description = "Too many writes from this account; see Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn unfollow(
    State(state): State<AppState>,
    me: AuthUser,
    Path(username): Path<String>,
) -> ApiResult<Json<User>> {
    state.limits.write(me.id).await?;
    let target = users::id_by_username(&state.db, &username, Some(me.id)).await?;
    store::follows::unfollow(&state.db, me.id, target).await?;
    profile(&state, target, me.id).await
}

/// Who follows a user, most recent first.
#[utoipa::path(
    get,
    path = "/api/users/{username}/followers",
    tag = "users",
    params(("username" = String, Path, description = "Whose followers"), PageQuery),
    responses(
        (status = 200, description = "A page of short users", body = Page<ShortUser>),
        (status = 400, description = "Invalid limit or cursor", body = ErrorBody),
        (status = 401, description = "An invalid access token was sent", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
async fn followers(
    State(state): State<AppState>,
    // Anyone may look; a token that is sent must still be valid.
    viewer: Option<AuthUser>,
    Path(username): Path<String>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<ShortUser>>> {
    let page = page.parse()?;
    let viewer = viewer.user_id();
    let user = users::id_by_username(&state.db, &username, viewer).await?;
    let followers = store::follows::followers(&state.db, state.urls(), user, viewer, &page).await?;
    Ok(Json(followers))
}

/// Whom a user follows, most recent first.
#[utoipa::path(
    get,
    path = "/api/users/{username}/following",
    tag = "users",
    params(("username" = String, Path, description = "Whose followees"), PageQuery),
    responses(
        (status = 200, description = "A page of short users", body = Page<ShortUser>),
        (status = 400, description = "Invalid limit or cursor", body = ErrorBody),
        (status = 401, description = "An invalid access token was sent", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
async fn following(
    State(state): State<AppState>,
    // Anyone may look; a token that is sent must still be valid.
    viewer: Option<AuthUser>,
    Path(username): Path<String>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<ShortUser>>> {
    let page = page.parse()?;
    let viewer = viewer.user_id();
    let user = users::id_by_username(&state.db, &username, viewer).await?;
    let following = store::follows::following(&state.db, state.urls(), user, viewer, &page).await?;
    Ok(Json(following))
}

const SUGGESTIONS_DEFAULT: u32 = 10;
const SUGGESTIONS_MAX: u32 = 50;

#[derive(Deserialize, IntoParams)]
pub struct SuggestionsQuery {
    /// How many accounts, 1–50 (default 10).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50)]
    limit: Option<String>,
}

impl SuggestionsQuery {
    fn limit(&self) -> ApiResult<u32> {
        parse_limit(self.limit.as_deref(), SUGGESTIONS_DEFAULT, SUGGESTIONS_MAX)
    }
}

#[derive(Serialize, ToSchema)]
pub struct Suggestions {
    pub users: Vec<ShortUser>,
}

/// Accounts the caller may want to follow: people followed by the people
/// the caller follows (those followed by more of them first), then the most
/// followed accounts; never the caller, never someone already followed.
#[utoipa::path(
    get,
    path = "/api/suggestions",
    tag = "users",
    params(SuggestionsQuery),
    responses(
        (status = 200, description = "Suggested accounts, best first", body = Suggestions),
        (status = 400, description = "Invalid limit", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn suggestions(
    State(state): State<AppState>,
    me: AuthUser,
    Query(query): Query<SuggestionsQuery>,
) -> ApiResult<Json<Suggestions>> {
    let limit = query.limit()?;
    let users = store::follows::suggestions(&state.db, state.urls(), me.id, limit).await?;
    Ok(Json(Suggestions { users }))
}
