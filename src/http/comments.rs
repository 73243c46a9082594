//! Comments on posts.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::auth::AuthUser;
use crate::domain::comment::BODY_MAX;
use crate::domain::error::{ApiError, ApiResult, ErrorBody};
use crate::domain::fields;
use crate::domain::ids::{CommentId, PostId};
use crate::domain::pagination::{Page, PageQuery};
use crate::domain::Comment;
use crate::http::auth_user::MaybeAuthUser;
use crate::http::extract::{Json, Path, Query};
use crate::http::state::AppState;
use crate::services::comments;
use crate::store;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_comments, add_comment))
        .routes(routes!(delete_comment))
}

#[derive(Deserialize, ToSchema)]
pub struct NewComment {
    /// 1–2,200 characters, not all white space; may span lines.
    #[schema(
        max_length = 2200,
        pattern = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*$"
    )]
    body: String,
}

/// A post's comments, oldest first.
#[utoipa::path(
    get,
    path = "/api/posts/{id}/comments",
    tag = "comments",
    params(("id" = i64, Path, description = "Post id"), PageQuery),
    responses(
        (status = 200, description = "A page of comments, oldest first", body = Page<Comment>),
        (status = 400, description = "Invalid limit or cursor", body = ErrorBody),
        (status = 401, description = "An invalid access token was sent", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
async fn list_comments(
    State(state): State<AppState>,
    // Anyone may read; a token that is sent must still be valid.
    viewer: Option<AuthUser>,
    Path(post): Path<PostId>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<Comment>>> {
    let page = page.parse()?;
    let comments = store::comments::page(&state.db, state.urls(), post, viewer.user_id(), &page)
        .await?
        .ok_or_else(|| ApiError::not_found("post"))?;
    Ok(Json(comments))
}

/// Comments on a post; its author and anyone @mentioned are notified.
#[utoipa::path(
    post,
    path = "/api/posts/{id}/comments",
    tag = "comments",
    params(("id" = i64, Path, description = "Post id")),
    request_body = NewComment,
    responses(
        (status = 201, description = "The new comment", body = Comment),
        (status = 400, description = "Empty or too long; the message names the field", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 429, description = "Too many writes from this account; see Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn add_comment(
    State(state): State<AppState>,
    me: AuthUser,
    Path(post): Path<PostId>,
    Json(new): Json<NewComment>,
) -> ApiResult<(StatusCode, Json<Comment>)> {
    state.limits.write(me.id).await?;
    let body = fields::text("body", &new.body, BODY_MAX, true)?;
    if body.is_empty() {
        return Err(ApiError::invalid("body", "must not be empty"));
    }
    let comment = comments::add(&state.services(), post, me.id, body).await?;
    Ok((StatusCode::CREATED, Json(comment)))
}

/// Deletes a comment: allowed to its author and to the post's author.
#[utoipa::path(
    delete,
    path = "/api/comments/{id}",
    tag = "comments",
    params(("id" = i64, Path, description = "Comment id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Neither the comment's nor the post's author", body = ErrorBody),
        (status = 404, description = "No such comment", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn delete_comment(
    State(state): State<AppState>,
    me: AuthUser,
    Path(id): Path<CommentId>,
) -> ApiResult<StatusCode> {
    store::comments::delete(&state.db, id, me.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
