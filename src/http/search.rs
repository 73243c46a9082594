//! `GET /api/search?q=`: people and hashtags.
//!
//! Indexed on both engines, differently, because their tools differ:
//! PostgreSQL uses `pg_trgm` GIN indexes (substring `LIKE` on usernames and
//! display names) and a `text_pattern_ops` B-tree for hashtag prefixes;
//! SQLite uses an FTS5 trigram table for substrings and the unique indexes
//! on `users.username` and `hashtags.tag` as byte-ordered prefix ranges.
//! Queries shorter than three characters (too short for trigrams) match
//! username prefixes only. Prefix matches rank first, then popularity.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::AuthUser;
use crate::domain::ids::UserId;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::{Json, Query};
use crate::http::users::ShortUser;
use crate::media::public_url;
use crate::state::AppState;
use crate::store::Db;

const MAX_QUERY_CHARS: usize = 100;
const USERS_LIMIT: i64 = 20;
const HASHTAGS_LIMIT: i64 = 10;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

#[derive(Deserialize, IntoParams)]
pub struct SearchQuery {
    /// What to look for, at most 100 characters; leading `@` and `#` are
    /// ignored, and something must remain.
    #[param(required = true, value_type = String, max_length = 100, pattern = "^[ \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*[@#]*(?:[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000@#]|[ \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]+[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000])[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    q: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    pub users: Vec<ShortUser>,
    pub hashtags: Vec<HashtagCount>,
}

#[derive(Serialize, ToSchema, sqlx::FromRow)]
pub struct HashtagCount {
    pub tag: String,
    pub post_count: i64,
}

#[derive(sqlx::FromRow)]
struct UserHit {
    id: UserId,
    username: String,
    display_name: String,
    avatar_key: Option<String>,
}

/// Finds users and hashtags.
#[utoipa::path(
    get,
    path = "/api/search",
    tag = "search",
    params(SearchQuery),
    responses(
        (status = 200, description = "Matching users (prefix matches first) and hashtags", body = SearchResults),
        (status = 400, description = "Missing, empty or too long q", body = ErrorBody),
        (status = 401, description = "An invalid access token was sent", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
async fn search(
    State(state): State<AppState>,
    // Anyone may search; a token that is sent must still be valid.
    _viewer: Option<AuthUser>,
    Query(query): Query<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    // The limits apply to `q` as sent, as the API document says.
    let raw = query.q.unwrap_or_default();
    if raw.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::invalid("q", "must be at most 100 characters"));
    }
    if raw.chars().any(char::is_control) {
        return Err(ApiError::invalid("q", "contains control characters"));
    }
    let q = raw.trim().trim_start_matches(['@', '#']).to_lowercase();
    if q.is_empty() {
        return Err(ApiError::invalid("q", "must not be empty"));
    }
    let users = find_users(&state.db, &q).await?;
    let hashtags = find_hashtags(&state.db, &q).await?;
    Ok(Json(SearchResults {
        users: users
            .into_iter()
            .map(|hit| ShortUser {
                id: hit.id,
                username: hit.username,
                display_name: hit.display_name,
                avatar_url: hit.avatar_key.as_deref().map(public_url),
            })
            .collect(),
        hashtags,
    }))
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

async fn find_users(db: &Db, q: &str) -> ApiResult<Vec<UserHit>> {
    let short = q.chars().count() < 3;
    let prefix = format!("{}%", like_escaped(q));
    let hits = match db {
        Db::Postgres(pool) => {
            let pattern = if short {
                prefix.clone()
            } else {
                format!("%{}%", like_escaped(q))
            };
            sqlx::query_as(
                r"SELECT id, username, display_name, avatar_key FROM users
                  WHERE username LIKE $1 ESCAPE '\' OR lower(display_name) LIKE $1 ESCAPE '\'
                  ORDER BY username LIKE $2 ESCAPE '\' DESC,
                           lower(display_name) LIKE $2 ESCAPE '\' DESC,
                           followers_count DESC, id
                  LIMIT $3",
            )
            .bind(pattern)
            .bind(&prefix)
            .bind(USERS_LIMIT)
            .fetch_all(pool)
            .await?
        }
        Db::Sqlite(pool) if short => {
            sqlx::query_as(
                "SELECT id, username, display_name, avatar_key FROM users
                 WHERE username >= $1 AND username < $2
                 ORDER BY followers_count DESC, id
                 LIMIT $3",
            )
            .bind(q)
            .bind(prefix_end(q))
            .bind(USERS_LIMIT)
            .fetch_all(pool)
            .await?
        }
        Db::Sqlite(pool) => {
            // An FTS5 phrase: the query as one quoted string, quotes doubled.
            let phrase = format!("\"{}\"", q.replace('"', "\"\""));
            sqlx::query_as(
                r"SELECT u.id, u.username, u.display_name, u.avatar_key
                  FROM users_search s JOIN users u ON u.id = s.rowid
                  WHERE users_search MATCH $1
                  ORDER BY u.username LIKE $2 ESCAPE '\' DESC,
                           lower(u.display_name) LIKE $2 ESCAPE '\' DESC,
                           u.followers_count DESC, u.id
                  LIMIT $3",
            )
            .bind(phrase)
            .bind(&prefix)
            .bind(USERS_LIMIT)
            .fetch_all(pool)
            .await?
        }
    };
    Ok(hits)
}

async fn find_hashtags(db: &Db, q: &str) -> ApiResult<Vec<HashtagCount>> {
    let hashtags = match db {
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
    Ok(hashtags)
}
