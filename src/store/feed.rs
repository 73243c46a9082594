//! Lists of posts: the home feed, explore, a hashtag, a user's grid.
//!
//! All are newest first and keyset-paginated on `(created_at, id)`, so a
//! post published between two page requests never shifts the next page.

use crate::domain::error::ApiResult;
use crate::domain::ids::UserId;
use crate::domain::pagination::{Cursor, Page, PageRequest};
use crate::domain::{MediaUrls, Post};
use crate::store::posts::{hydrate, post_columns, PostRow};
use crate::store::visibility::{may_read, may_see};
use crate::store::{with_db, Db};

/// The home feed on PostgreSQL: for each followed author (and the caller),
/// the newest `$4` posts below the cursor by an index-only range on
/// `posts_author_time`; then the newest `$4` of those, then their details.
/// The cost grows with followees × page size, never with the total number
/// of posts. Muted followees are left out (a primary-key probe each), and
/// so are those the reader may not see (`may_see!`: a suspended followee); a
/// block ends the follows, so no blocked author is among them, and a private
/// followee is one who approved the reader: every author here passes
/// `may_read!` by construction.
pub const FEED_POSTGRES: &str = concat!(
    "WITH authors AS (
         SELECT $1::bigint AS author_id
         UNION ALL
         SELECT f.followee_id FROM follows f
         WHERE f.follower_id = $1
           AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.muter_id = $1 AND m.muted_id = f.followee_id)
           AND ",
    may_see!("$1", "f.followee_id"),
    "
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
            OR p.author_id IN (
                SELECT f.followee_id FROM follows f
                WHERE f.follower_id = $1
                  AND NOT EXISTS (SELECT 1 FROM mutes m
                                  WHERE m.muter_id = $1 AND m.muted_id = f.followee_id)
                  AND ",
    may_see!("$1", "f.followee_id"),
    "))
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

async fn page_of(
    db: &Db,
    urls: &dyn MediaUrls,
    rows: Vec<PostRow>,
    viewer: Option<UserId>,
    page: &PageRequest,
) -> ApiResult<Page<Post>> {
    let posts = hydrate(db, urls, rows, viewer).await?;
    Ok(Page::from_rows(posts, page, post_cursor))
}

/// Posts by the people `reader` follows and by `reader`.
pub async fn home(
    db: &Db,
    urls: &dyn MediaUrls,
    reader: UserId,
    page: &PageRequest,
) -> ApiResult<Page<Post>> {
    let before = page.before();
    let rows: Vec<PostRow> = match db {
        Db::Postgres(pool) => {
            sqlx::query_as(FEED_POSTGRES)
                .bind(reader)
                .bind(before.at)
                .bind(before.id)
                .bind(page.fetch_limit())
                .fetch_all(pool)
                .await?
        }
        Db::Sqlite(pool) => {
            sqlx::query_as(FEED_SQLITE)
                .bind(reader)
                .bind(before.at)
                .bind(before.id)
                .bind(page.fetch_limit())
                .fetch_all(pool)
                .await?
        }
    };
    page_of(db, urls, rows, Some(reader), page).await
}

/// Recent posts from everyone. Served by posts_time (created_at DESC, id DESC).
pub async fn explore(
    db: &Db,
    urls: &dyn MediaUrls,
    viewer: Option<UserId>,
    page: &PageRequest,
) -> ApiResult<Page<Post>> {
    let before = page.before();
    let rows: Vec<PostRow> = with_db!(db, pool, {
        sqlx::query_as(concat!(
            "SELECT ",
            post_columns!(),
            " FROM posts p JOIN users u ON u.id = p.author_id
              WHERE (p.created_at, p.id) < ($2, $3) AND ",
            may_read!("$1", "p.author_id"),
            " ORDER BY p.created_at DESC, p.id DESC
              LIMIT $4"
        ))
        .bind(viewer)
        .bind(before.at)
        .bind(before.id)
        .bind(page.fetch_limit())
        .fetch_all(pool)
        .await?
    });
    page_of(db, urls, rows, viewer, page).await
}

/// Posts whose caption carries `tag` (normalised; `None` when nothing of it
/// could be a tag, which no post carries). Served by post_hashtags_time
/// (hashtag_id, created_at DESC, post_id DESC). The hashtag's id is a
/// scalar subquery, not a join: joined, PostgreSQL does not carry that
/// index's order through the join and sorted every post of a popular tag
/// (a second for 260,000 posts) to return one page.
pub async fn tagged(
    db: &Db,
    urls: &dyn MediaUrls,
    tag: Option<&str>,
    viewer: Option<UserId>,
    page: &PageRequest,
) -> ApiResult<Page<Post>> {
    let Some(tag) = tag else {
        return Ok(Page::from_rows(Vec::new(), page, post_cursor));
    };
    let before = page.before();
    let rows: Vec<PostRow> = with_db!(db, pool, {
        sqlx::query_as(concat!(
            "SELECT ",
            post_columns!(),
            " FROM post_hashtags ph
              JOIN posts p ON p.id = ph.post_id
              JOIN users u ON u.id = p.author_id
              WHERE ph.hashtag_id = (SELECT h.id FROM hashtags h WHERE h.tag = $2)
                AND (ph.created_at, ph.post_id) < ($3, $4) AND ",
            may_read!("$1", "p.author_id"),
            " ORDER BY ph.created_at DESC, ph.post_id DESC
              LIMIT $5"
        ))
        .bind(viewer)
        .bind(tag)
        .bind(before.at)
        .bind(before.id)
        .bind(page.fetch_limit())
        .fetch_all(pool)
        .await?
    });
    page_of(db, urls, rows, viewer, page).await
}

/// `author`'s posts (the profile grid). Served by posts_author_time
/// (author_id, created_at DESC, id DESC).
pub async fn by_author(
    db: &Db,
    urls: &dyn MediaUrls,
    author: UserId,
    viewer: Option<UserId>,
    page: &PageRequest,
) -> ApiResult<Page<Post>> {
    let before = page.before();
    let rows: Vec<PostRow> = with_db!(db, pool, {
        sqlx::query_as(concat!(
            "SELECT ",
            post_columns!(),
            " FROM posts p JOIN users u ON u.id = p.author_id
              WHERE p.author_id = $2 AND (p.created_at, p.id) < ($3, $4) AND ",
            may_read!("$1", "p.author_id"),
            " ORDER BY p.created_at DESC, p.id DESC
              LIMIT $5"
        ))
        .bind(viewer)
        .bind(author)
        .bind(before.at)
        .bind(before.id)
        .bind(page.fetch_limit())
        .fetch_all(pool)
        .await?
    });
    page_of(db, urls, rows, viewer, page).await
}
