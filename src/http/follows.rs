//! The follow graph: follow, unfollow, followers and following lists.

use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::AuthUser;
use crate::domain::ids::{NotificationId, UserId};
use crate::domain::pagination::{Cursor, Page, PageQuery};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::{Json, Path, Query};
use crate::http::users::{self, ShortUser, User};
use crate::media::public_url;
use crate::notifications::insert_notification;
use crate::notifications::{self, NotificationKind};
use crate::state::AppState;
use crate::store::with_db;
use crate::store::{BeginWrite, Db, Timestamp};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(follow, unfollow))
        .routes(routes!(followers))
        .routes(routes!(following))
}

async fn profile(db: &Db, id: UserId, viewer: UserId) -> ApiResult<Json<User>> {
    let row = users::find_by_id(db, id, Some(viewer))
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(Json(row.into_user(Some(viewer))))
}

/// Follows a user (idempotent); they are notified once, ever.
#[utoipa::path(
    put,
    path = "/api/users/{username}/follow",
    tag = "users",
    params(("username" = String, Path, description = "Who to follow")),
    responses(
        (status = 200, description = "Their profile, now followed", body = User),
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
    state.limits.write(me.id)?;
    let target = users::id_by_username(&state.db, &username).await?;
    if target == me.id {
        return Err(ApiError::bad_request(
            "cannot_follow_self",
            "you cannot follow yourself",
        ));
    }
    let notified: Vec<NotificationId> = with_db!(&state.db, pool, {
        let mut tx = pool.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(me.id)
        .bind(target)
        .bind(Timestamp::now())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let mut notified = Vec::new();
        if inserted == 1 {
            sqlx::query("UPDATE users SET following_count = following_count + 1 WHERE id = $1")
                .bind(me.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE users SET followers_count = followers_count + 1 WHERE id = $1")
                .bind(target)
                .execute(&mut *tx)
                .await?;
            let id = insert_notification!(
                tx,
                target,
                me.id,
                NotificationKind::Follow,
                None::<i64>,
                None::<i64>
            )
            .await?;
            notified.extend(id);
        }
        tx.commit().await?;
        notified
    });
    notifications::publish(&state, notified).await;
    profile(&state.db, target, me.id).await
}

/// Stops following a user (idempotent).
#[utoipa::path(
    delete,
    path = "/api/users/{username}/follow",
    tag = "users",
    params(("username" = String, Path, description = "Who to unfollow")),
    responses(
        (status = 200, description = "Their profile, no longer followed", body = User),
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
    state.limits.write(me.id)?;
    let target = users::id_by_username(&state.db, &username).await?;
    with_db!(&state.db, pool, {
        let mut tx = pool.begin_write().await?;
        let removed =
            sqlx::query("DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2")
                .bind(me.id)
                .bind(target)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if removed == 1 {
            sqlx::query("UPDATE users SET following_count = following_count - 1 WHERE id = $1")
                .bind(me.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE users SET followers_count = followers_count - 1 WHERE id = $1")
                .bind(target)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    });
    profile(&state.db, target, me.id).await
}

#[derive(sqlx::FromRow)]
struct FollowRow {
    id: UserId,
    username: String,
    display_name: String,
    avatar_key: Option<String>,
    followed_at: crate::store::Timestamp,
}

impl FollowRow {
    fn cursor(&self) -> Cursor {
        Cursor {
            at: self.followed_at,
            id: self.id.0,
        }
    }

    fn into_short(self) -> ShortUser {
        ShortUser {
            id: self.id,
            username: self.username,
            display_name: self.display_name,
            avatar_url: self.avatar_key.as_deref().map(public_url),
        }
    }
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
    _viewer: Option<AuthUser>,
    Path(username): Path<String>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<ShortUser>>> {
    // Served by follows_followers (followee_id, created_at DESC, follower_id DESC).
    follow_page(
        &state,
        &username,
        page,
        "SELECT u.id, u.username, u.display_name, u.avatar_key, f.created_at AS followed_at
         FROM follows f JOIN users u ON u.id = f.follower_id
         WHERE f.followee_id = $1 AND (f.created_at, f.follower_id) < ($2, $3)
         ORDER BY f.created_at DESC, f.follower_id DESC
         LIMIT $4",
    )
    .await
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
    _viewer: Option<AuthUser>,
    Path(username): Path<String>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<ShortUser>>> {
    // Served by follows_following (follower_id, created_at DESC, followee_id DESC).
    follow_page(
        &state,
        &username,
        page,
        "SELECT u.id, u.username, u.display_name, u.avatar_key, f.created_at AS followed_at
         FROM follows f JOIN users u ON u.id = f.followee_id
         WHERE f.follower_id = $1 AND (f.created_at, f.followee_id) < ($2, $3)
         ORDER BY f.created_at DESC, f.followee_id DESC
         LIMIT $4",
    )
    .await
}

/// One page of either side of a user's follow graph; `sql` takes the user,
/// the cursor's time and id, and the row limit.
async fn follow_page(
    state: &AppState,
    username: &str,
    page: PageQuery,
    sql: &'static str,
) -> ApiResult<Json<Page<ShortUser>>> {
    let page = page.parse()?;
    let user = users::id_by_username(&state.db, username).await?;
    let before = page.before();
    let rows: Vec<FollowRow> = with_db!(&state.db, pool, {
        sqlx::query_as(sql)
            .bind(user)
            .bind(before.at)
            .bind(before.id)
            .bind(page.fetch_limit())
            .fetch_all(pool)
            .await?
    });
    Ok(Json(
        Page::from_rows(rows, &page, FollowRow::cursor).map(FollowRow::into_short),
    ))
}
