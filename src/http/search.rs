//! `GET /api/search?q=`: people and hashtags (how each engine finds them:
//! `store::search`).

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::auth::AuthUser;
use crate::domain::error::{ApiError, ApiResult, ErrorBody};
use crate::domain::{HashtagCount, ShortUser};
use crate::http::auth_user::MaybeAuthUser;
use crate::http::extract::{Json, Query};
use crate::http::state::AppState;
use crate::store::search;

const MAX_QUERY_CHARS: usize = 100;

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
    viewer: Option<AuthUser>,
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
    Ok(Json(SearchResults {
        users: search::users(&state.db, state.urls(), &q, viewer.user_id()).await?,
        hashtags: search::hashtags(&state.db, &q).await?,
    }))
}
