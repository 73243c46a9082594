//! Profiles: `GET /api/users/{username}`, and reading `{username}` paths.

use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::auth::AuthUser;
use crate::domain::error::{ApiError, ApiResult, ErrorBody};
use crate::domain::fields::Username;
use crate::domain::ids::UserId;
use crate::domain::User;
use crate::http::auth_user::MaybeAuthUser;
use crate::http::extract::{Json, Path};
use crate::http::state::AppState;
use crate::store::{users, Db};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_user))
}

/// The id of the user named in a `{username}` path segment, or 404, also
/// when `viewer` may not see them.
pub(crate) async fn id_by_username(
    db: &Db,
    raw: &str,
    viewer: Option<UserId>,
) -> ApiResult<UserId> {
    let username = username_in_path(raw)?;
    users::visible_id_of(db, &username, viewer)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))
}

/// The id of the account named in a `{username}` path segment whoever
/// asks, or 404: for lifting the caller's own block or mute.
pub(crate) async fn account_id_by_username(db: &Db, raw: &str) -> ApiResult<UserId> {
    let username = username_in_path(raw)?;
    users::id_of(db, &username)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))
}

/// Parses a `{username}` path segment; a name that cannot exist is a 404.
pub(crate) fn username_in_path(raw: &str) -> ApiResult<Username> {
    Username::parse(raw).map_err(|_| ApiError::not_found("user"))
}

/// A user's profile.
#[utoipa::path(
    get,
    path = "/api/users/{username}",
    tag = "users",
    params(("username" = String, Path, description = "The user's name, in any case")),
    responses(
        (status = 200, description = "The profile", body = User),
        (status = 401, description = "An invalid access token was sent", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
async fn get_user(
    State(state): State<AppState>,
    viewer: Option<AuthUser>,
    Path(username): Path<String>,
) -> ApiResult<Json<User>> {
    let username = username_in_path(&username)?;
    let viewer = viewer.user_id();
    let user = users::by_username(&state.db, state.urls(), &username, viewer)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(Json(user))
}
