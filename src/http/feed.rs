//! Lists of posts: the home feed, explore, a hashtag, a user's grid.
//!
//! All are newest first and keyset-paginated on `(created_at, id)`, so a
//! post published between two page requests never shifts the next page.

use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{AuthUser, MaybeAuthUser};
use crate::domain::pagination::{Cursor, Page, PageQuery, PageRequest};
use crate::domain::text;
use crate::error::{ApiResult, ErrorBody};
use crate::http::extract::{Json, Path, Query};
use crate::http::posts::post_columns;
use crate::http::posts::{hydrate, Post, PostRow};
use crate::http::users;
use crate::state::AppState;
use crate::store::with_db;
use crate::store::Db;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(feed))
        .routes(routes!(explore))
        .routes(routes!(tag_posts))
        .routes(routes!(user_posts))
}

/// The home feed on PostgreSQL: for each followed author (and the caller),
/// the newest `$4` posts below the cursor by an index-only range on
/// `posts_author_time`; then the newest `$4` of those, then their details.
/// The cost grows with followees × page size, never with the total number
/// of posts.
pub const FEED_POSTGRES: &str = concat!(
    "WITH authors AS (
         SELECT $1::bigint AS author_id
         UNION ALL
         SELECT followee_id FROM follows WHERE follower_id = $1
     ),
     page AS (
         SELECT newest.id, newest.created_at
         FROM authors a
         CROSS JOIN LATERAL (
             SELECT p.id, p.created_at FROM posts p
             WHERE p.author_id = a.author_id AND (p.created_at, p.id) < ($2, $3)
             ORDER BY p.created_at DESC, p.id DESC
             LIMIT $4
         ) newest
         ORDER BY newest.created_at DESC, newest.id DESC
         LIMIT $4
     )
     SELECT ",
    post_columns!(),
    " FROM page
     JOIN posts p ON p.id = page.id
     JOIN users u ON u.id = p.author_id
     ORDER BY p.created_at DESC, p.id DESC"
);

/// The home feed on SQLite (no LATERAL): the same rows, found through
/// `follows`' primary key and `posts_author_time`.
const FEED_SQLITE: &str = concat!(
    "SELECT ",
    post_columns!(),
    " FROM posts p
     JOIN users u ON u.id = p.author_id
     WHERE (p.author_id = $1
            OR p.author_id IN (SELECT followee_id FROM follows WHERE follower_id = $1))
       AND (p.created_at, p.id) < ($2, $3)
     ORDER BY p.created_at DESC, p.id DESC
     LIMIT $4"
);

fn post_cursor(post: &Post) -> Cursor {
    Cursor {
        at: post.created_at,
        id: post.id.0,
    }
}

async fn page_of(db: &Db, rows: Vec<PostRow>, page: &PageRequest) -> ApiResult<Page<Post>> {
    let posts = hydrate(db, rows).await?;
    Ok(Page::from_rows(posts, page, post_cursor))
}

/// Posts by the people the caller follows and by the caller, newest first.
#[utoipa::path(
    get,
    path = "/api/feed",
    tag = "feed",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of posts", body = Page<Post>),
        (status = 400, description = "Invalid limit or cursor", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn feed(
    State(state): State<AppState>,
    me: AuthUser,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<Post>>> {
    let page = page.parse()?;
    let before = page.before();
    let rows: Vec<PostRow> = match &state.db {
        Db::Postgres(pool) => {
            sqlx::query_as(FEED_POSTGRES)
                .bind(me.id)
                .bind(before.at)
                .bind(before.id)
                .bind(page.fetch_limit())
                .fetch_all(pool)
                .await?
        }
        Db::Sqlite(pool) => {
            sqlx::query_as(FEED_SQLITE)
                .bind(me.id)
                .bind(before.at)
                .bind(before.id)
                .bind(page.fetch_limit())
                .fetch_all(pool)
                .await?
        }
    };
    Ok(Json(page_of(&state.db, rows, &page).await?))
}

/// Recent posts from everyone: for signed-out and new users.
#[utoipa::path(
    get,
    path = "/api/explore",
    tag = "feed",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of posts", body = Page<Post>),
        (status = 400, description = "Invalid limit or cursor", body = ErrorBody),
        (status = 401, description = "An invalid access token was sent", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
async fn explore(
    State(state): State<AppState>,
    viewer: Option<AuthUser>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<Post>>> {
    let page = page.parse()?;
    let before = page.before();
    // Served by posts_time (created_at DESC, id DESC).
    let rows: Vec<PostRow> = with_db!(&state.db, pool, {
        sqlx::query_as(concat!(
            "SELECT ",
            post_columns!(),
            " FROM posts p JOIN users u ON u.id = p.author_id
              WHERE (p.created_at, p.id) < ($2, $3)
              ORDER BY p.created_at DESC, p.id DESC
              LIMIT $4"
        ))
        .bind(viewer.user_id())
        .bind(before.at)
        .bind(before.id)
        .bind(page.fetch_limit())
        .fetch_all(pool)
        .await?
    });
    Ok(Json(page_of(&state.db, rows, &page).await?))
}

/// Posts whose caption carries a hashtag; a tag nobody used gives an empty page.
#[utoipa::path(
    get,
    path = "/api/tags/{tag}/posts",
    tag = "feed",
    params(("tag" = String, Path, description = "The hashtag, with or without '#', any case"), PageQuery),
    responses(
        (status = 200, description = "A page of posts", body = Page<Post>),
        (status = 400, description = "Invalid limit or cursor", body = ErrorBody),
        (status = 401, description = "An invalid access token was sent", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
async fn tag_posts(
    State(state): State<AppState>,
    viewer: Option<AuthUser>,
    Path(tag): Path<String>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<Post>>> {
    let page = page.parse()?;
    // Read as a caption's `#tag` is: characters no tag holds (a NUL, which
    // PostgreSQL would refuse, say) are dropped; if nothing is left, no
    // post can carry it.
    let Some(tag) = text::normalize_tag(tag.trim().trim_start_matches('#')) else {
        return Ok(Json(Page::from_rows(Vec::new(), &page, post_cursor)));
    };
    let before = page.before();
    // Served by post_hashtags_time (hashtag_id, created_at DESC, post_id DESC).
    let rows: Vec<PostRow> = with_db!(&state.db, pool, {
        sqlx::query_as(concat!(
            "SELECT ",
            post_columns!(),
            " FROM hashtags h
              JOIN post_hashtags ph ON ph.hashtag_id = h.id
              JOIN posts p ON p.id = ph.post_id
              JOIN users u ON u.id = p.author_id
              WHERE h.tag = $2 AND (ph.created_at, ph.post_id) < ($3, $4)
              ORDER BY ph.created_at DESC, ph.post_id DESC
              LIMIT $5"
        ))
        .bind(viewer.user_id())
        .bind(&tag)
        .bind(before.at)
        .bind(before.id)
        .bind(page.fetch_limit())
        .fetch_all(pool)
        .await?
    });
    Ok(Json(page_of(&state.db, rows, &page).await?))
}

/// A user's posts, newest first (the profile grid).
#[utoipa::path(
    get,
    path = "/api/users/{username}/posts",
    tag = "users",
    params(("username" = String, Path, description = "Whose posts"), PageQuery),
    responses(
        (status = 200, description = "A page of posts", body = Page<Post>),
        (status = 400, description = "Invalid limit or cursor", body = ErrorBody),
        (status = 401, description = "An invalid access token was sent", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
async fn user_posts(
    State(state): State<AppState>,
    viewer: Option<AuthUser>,
    Path(username): Path<String>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<Post>>> {
    let page = page.parse()?;
    let author = users::id_by_username(&state.db, &username).await?;
    let before = page.before();
    // Served by posts_author_time (author_id, created_at DESC, id DESC).
    let rows: Vec<PostRow> = with_db!(&state.db, pool, {
        sqlx::query_as(concat!(
            "SELECT ",
            post_columns!(),
            " FROM posts p JOIN users u ON u.id = p.author_id
              WHERE p.author_id = $2 AND (p.created_at, p.id) < ($3, $4)
              ORDER BY p.created_at DESC, p.id DESC
              LIMIT $5"
        ))
        .bind(viewer.user_id())
        .bind(author)
        .bind(before.at)
        .bind(before.id)
        .bind(page.fetch_limit())
        .fetch_all(pool)
        .await?
    });
    Ok(Json(page_of(&state.db, rows, &page).await?))
}
