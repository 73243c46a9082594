//! Search: people and hashtags.
//!
//! Indexed on both engines, differently, because their tools differ:
//! PostgreSQL uses `pg_trgm` GIN indexes (substring `LIKE` on usernames and
//! display names) and a `text_pattern_ops` B-tree for hashtag prefixes;
//! SQLite uses an FTS5 trigram table for substrings and the unique indexes
//! on `users.username` and `hashtags.tag` as byte-ordered prefix ranges.
//! Queries shorter than three characters (too short for trigrams) match
//! username prefixes only. Prefix matches rank first, then popularity.

use crate::domain::error::ApiResult;
use crate::domain::ids::UserId;
use crate::domain::{HashtagCount, MediaUrls, ShortUser};
use crate::store::visibility::may_see;
use crate::store::Db;

const USERS_LIMIT: i64 = 20;
const HASHTAGS_LIMIT: i64 = 10;

#[derive(sqlx::FromRow)]
struct UserHit {
    id: UserId,
    username: String,
    display_name: String,
    avatar_key: Option<String>,
}

#[derive(sqlx::FromRow)]
struct HashtagRow {
    tag: String,
    post_count: i64,
}

/// `q` with LIKE's wildcards escaped (`\` is the escape character).
fn like_escaped(q: &str) -> String {
    q.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The exclusive upper bound of the strings that start with `q`, in byte order.
fn prefix_end(q: &str) -> String {
    format!("{q}\u{10FFFF}")
}

/// Users whose username or display name starts with or contains `q`
/// (lower case, not empty), prefix matches first, then the most followed;
/// only those `viewer` may see.
pub async fn users(
    db: &Db,
    urls: &dyn MediaUrls,
    q: &str,
    viewer: Option<UserId>,
) -> ApiResult<Vec<ShortUser>> {
    let short = q.chars().count() < 3;
    let prefix = format!("{}%", like_escaped(q));
    let hits: Vec<UserHit> = match db {
        Db::Postgres(pool) => {
            let pattern = if short {
                prefix.clone()
            } else {
                format!("%{}%", like_escaped(q))
            };
            sqlx::query_as(concat!(
                r"SELECT u.id, u.username, u.display_name, u.avatar_key FROM users u
                  WHERE (u.username LIKE $1 ESCAPE '\' OR lower(u.display_name) LIKE $1 ESCAPE '\')
                    AND ",
                may_see!("$4", "u.id"),
                r" ORDER BY u.username LIKE $2 ESCAPE '\' DESC,
                           lower(u.display_name) LIKE $2 ESCAPE '\' DESC,
                           u.followers_count DESC, u.id
                  LIMIT $3"
            ))
            .bind(pattern)
            .bind(&prefix)
            .bind(USERS_LIMIT)
            .bind(viewer)
            .fetch_all(pool)
            .await?
        }
        Db::Sqlite(pool) if short => {
            sqlx::query_as(concat!(
                "SELECT u.id, u.username, u.display_name, u.avatar_key FROM users u
                 WHERE u.username >= $1 AND u.username < $2 AND ",
                may_see!("$4", "u.id"),
                " ORDER BY u.followers_count DESC, u.id
                 LIMIT $3"
            ))
            .bind(q)
            .bind(prefix_end(q))
            .bind(USERS_LIMIT)
            .bind(viewer)
            .fetch_all(pool)
            .await?
        }
        Db::Sqlite(pool) => {
            // An FTS5 phrase: the query as one quoted string, quotes doubled.
            let phrase = format!("\"{}\"", q.replace('"', "\"\""));
            sqlx::query_as(concat!(
                r"SELECT u.id, u.username, u.display_name, u.avatar_key
                  FROM users_search s JOIN users u ON u.id = s.rowid
                  WHERE users_search MATCH $1 AND ",
                may_see!("$4", "u.id"),
                r" ORDER BY u.username LIKE $2 ESCAPE '\' DESC,
                           lower(u.display_name) LIKE $2 ESCAPE '\' DESC,
                           u.followers_count DESC, u.id
                  LIMIT $3"
            ))
            .bind(phrase)
            .bind(&prefix)
            .bind(USERS_LIMIT)
            .bind(viewer)
            .fetch_all(pool)
            .await?
        }
    };
    Ok(hits
        .into_iter()
        .map(|hit| {
            ShortUser::new(
                hit.id,
                hit.username,
                hit.display_name,
                hit.avatar_key.as_deref(),
                urls,
            )
        })
        .collect())
}

/// Used hashtags that start with `q`, the most used first.
pub async fn hashtags(db: &Db, q: &str) -> ApiResult<Vec<HashtagCount>> {
    let hashtags: Vec<HashtagRow> = match db {
        Db::Postgres(pool) => {
            sqlx::query_as(
                r"SELECT tag, post_count FROM hashtags
                  WHERE tag LIKE $1 ESCAPE '\' AND post_count > 0
                  ORDER BY post_count DESC, tag LIMIT $2",
            )
            .bind(format!("{}%", like_escaped(q)))
            .bind(HASHTAGS_LIMIT)
            .fetch_all(pool)
            .await?
        }
        Db::Sqlite(pool) => {
            sqlx::query_as(
                "SELECT tag, post_count FROM hashtags
                 WHERE tag >= $1 AND tag < $2 AND post_count > 0
                 ORDER BY post_count DESC, tag LIMIT $3",
            )
            .bind(q)
            .bind(prefix_end(q))
            .bind(HASHTAGS_LIMIT)
            .fetch_all(pool)
            .await?
        }
    };
    Ok(hashtags
        .into_iter()
        .map(|row| HashtagCount {
            tag: row.tag,
            post_count: row.post_count,
        })
        .collect())
}
