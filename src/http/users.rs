//! Profiles: the `User` object and `GET /api/users/{username}`.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{AuthUser, MaybeAuthUser};
use crate::domain::fields::Username;
use crate::domain::ids::UserId;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::{Json, Path};
use crate::media::public_url;
use crate::state::AppState;
use crate::store::with_db;
use crate::store::{placeholders, Db, Timestamp};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_user))
}

/// A person, as others see them. `GET /api/me` adds `email`.
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub created_at: Timestamp,
    pub posts_count: i64,
    pub followers_count: i64,
    pub following_count: i64,
    /// Present when the caller is signed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followed_by_me: Option<bool>,
    /// Only ever present on the caller's own account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// The few fields shown next to a post, comment or notification.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct ShortUser {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub avatar_url: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: UserId,
    username: String,
    email: String,
    display_name: String,
    bio: String,
    avatar_key: Option<String>,
    created_at: Timestamp,
    posts_count: i64,
    followers_count: i64,
    following_count: i64,
    followed_by_me: bool,
}

impl UserRow {
    /// The public view; `viewer` decides whether `followed_by_me` is shown.
    pub fn into_user(self, viewer: Option<UserId>) -> User {
        User {
            id: self.id,
            username: self.username,
            display_name: self.display_name,
            bio: self.bio,
            avatar_url: self.avatar_key.as_deref().map(public_url),
            created_at: self.created_at,
            posts_count: self.posts_count,
            followers_count: self.followers_count,
            following_count: self.following_count,
            followed_by_me: viewer.map(|_| self.followed_by_me),
            email: None,
        }
    }

    /// The owner's view, with the e-mail address.
    pub fn into_own_user(self) -> User {
        let email = self.email.clone();
        let id = self.id;
        User {
            email: Some(email),
            ..self.into_user(Some(id))
        }
    }
}

/// Selects one user as `UserRow`; `$1` is the key, `$2` the viewer (or NULL).
macro_rules! select_user {
    ($where:literal) => {
        concat!(
            "SELECT u.id, u.username, u.email, u.display_name, u.bio, u.avatar_key,
                    u.created_at, u.posts_count, u.followers_count, u.following_count,
                    EXISTS (SELECT 1 FROM follows f
                            WHERE f.follower_id = $2 AND f.followee_id = u.id) AS followed_by_me
             FROM users u WHERE ",
            $where
        )
    };
}

pub(crate) async fn find_by_username(
    db: &Db,
    username: &Username,
    viewer: Option<UserId>,
) -> ApiResult<Option<UserRow>> {
    Ok(with_db!(db, pool, {
        sqlx::query_as::<_, UserRow>(select_user!("u.username = $1"))
            .bind(username.as_str())
            .bind(viewer)
            .fetch_optional(pool)
            .await?
    }))
}

pub(crate) async fn find_by_id(
    db: &Db,
    id: UserId,
    viewer: Option<UserId>,
) -> ApiResult<Option<UserRow>> {
    Ok(with_db!(db, pool, {
        sqlx::query_as::<_, UserRow>(select_user!("u.id = $1"))
            .bind(id)
            .bind(viewer)
            .fetch_optional(pool)
            .await?
    }))
}

/// Loads a user that must exist (the caller, say); a missing row is a 401,
/// since the token names an account that is gone.
pub(crate) async fn load_self(db: &Db, id: UserId) -> ApiResult<UserRow> {
    find_by_id(db, id, Some(id))
        .await?
        .ok_or_else(|| ApiError::unauthorized("the account no longer exists"))
}

/// The ids of the existing users among `names` (for @mentions).
pub(crate) async fn ids_of(db: &Db, names: &[Username]) -> ApiResult<Vec<UserId>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id FROM users WHERE username IN ({})",
        placeholders(1, names.len())
    );
    Ok(with_db!(db, pool, {
        let mut query = sqlx::query_scalar::<_, UserId>(&sql);
        for name in names {
            query = query.bind(name.as_str());
        }
        query.fetch_all(pool).await?
    }))
}

/// The id of the user named in a `{username}` path segment, or 404.
pub(crate) async fn id_by_username(db: &Db, raw: &str) -> ApiResult<UserId> {
    let username = username_in_path(raw)?;
    let id: Option<UserId> = with_db!(db, pool, {
        sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(username.as_str())
            .fetch_optional(pool)
            .await?
    });
    id.ok_or_else(|| ApiError::not_found("user"))
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
    let row = find_by_username(&state.db, &username, viewer)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(Json(row.into_user(viewer)))
}
