//! Comments on posts.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::AuthUser;
use crate::domain::fields;
use crate::domain::ids::{CommentId, NotificationId, PostId, UserId};
use crate::domain::pagination::{Cursor, Page, PageQuery};
use crate::domain::text;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::{Json, Path, Query};
use crate::http::users::{self, ShortUser};
use crate::media::public_url;
use crate::notifications::insert_notification;
use crate::notifications::{self, NotificationKind};
use crate::state::AppState;
use crate::store::with_db;
use crate::store::{BeginWrite, Timestamp};

pub const BODY_MAX: usize = 2200;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_comments, add_comment))
        .routes(routes!(delete_comment))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Comment {
    pub id: CommentId,
    pub post_id: PostId,
    pub author: ShortUser,
    pub body: String,
    pub created_at: Timestamp,
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

#[derive(sqlx::FromRow)]
struct CommentRow {
    id: CommentId,
    post_id: PostId,
    body: String,
    created_at: Timestamp,
    author_id: UserId,
    author_username: String,
    author_display_name: String,
    author_avatar_key: Option<String>,
}

impl CommentRow {
    fn cursor(&self) -> Cursor {
        Cursor {
            at: self.created_at,
            id: self.id.0,
        }
    }

    fn into_comment(self) -> Comment {
        Comment {
            id: self.id,
            post_id: self.post_id,
            author: ShortUser {
                id: self.author_id,
                username: self.author_username,
                display_name: self.author_display_name,
                avatar_url: self.author_avatar_key.as_deref().map(public_url),
            },
            body: self.body,
            created_at: self.created_at,
        }
    }
}

macro_rules! comment_select {
    () => {
        "SELECT c.id, c.post_id, c.body, c.created_at,
                u.id AS author_id, u.username AS author_username,
                u.display_name AS author_display_name, u.avatar_key AS author_avatar_key
         FROM comments c JOIN users u ON u.id = c.author_id"
    };
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
    _viewer: Option<AuthUser>,
    Path(post): Path<PostId>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<Comment>>> {
    let page = page.parse()?;
    let after = page.after_or_start();
    // Served by comments_post (post_id, created_at, id).
    let (exists, rows): (bool, Vec<CommentRow>) = with_db!(&state.db, pool, {
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM posts WHERE id = $1)")
            .bind(post)
            .fetch_one(pool)
            .await?;
        let rows = sqlx::query_as(concat!(
            comment_select!(),
            " WHERE c.post_id = $1 AND (c.created_at, c.id) > ($2, $3)
              ORDER BY c.created_at, c.id LIMIT $4"
        ))
        .bind(post)
        .bind(after.at)
        .bind(after.id)
        .bind(page.fetch_limit())
        .fetch_all(pool)
        .await?;
        (exists, rows)
    });
    if !exists {
        return Err(ApiError::not_found("post"));
    }
    Ok(Json(
        Page::from_rows(rows, &page, CommentRow::cursor).map(CommentRow::into_comment),
    ))
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
    state.limits.write(me.id)?;
    let body = fields::text("body", &new.body, BODY_MAX, true)?;
    if body.is_empty() {
        return Err(ApiError::invalid("body", "must not be empty"));
    }
    let mentioned = users::ids_of(&state.db, &text::mentions(&body)).await?;
    let now = Timestamp::now();
    let (comment_id, notified): (CommentId, Vec<NotificationId>) = with_db!(&state.db, pool, {
        let mut tx = pool.begin_write().await?;
        let author: Option<UserId> =
            sqlx::query_scalar("SELECT author_id FROM posts WHERE id = $1")
                .bind(post)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(post_author) = author else {
            return Err(ApiError::not_found("post"));
        };
        let comment_id: CommentId = sqlx::query_scalar(
            "INSERT INTO comments (post_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(post)
        .bind(me.id)
        .bind(&body)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("UPDATE posts SET comment_count = comment_count + 1 WHERE id = $1")
            .bind(post)
            .execute(&mut *tx)
            .await?;
        let mut notified = Vec::new();
        if post_author != me.id {
            let id = insert_notification!(
                tx,
                post_author,
                me.id,
                NotificationKind::Comment,
                Some(post),
                Some(comment_id)
            )
            .await?;
            notified.extend(id);
        }
        // The post's author already hears of the comment itself.
        for &recipient in mentioned
            .iter()
            .filter(|&&id| id != me.id && id != post_author)
        {
            let id = insert_notification!(
                tx,
                recipient,
                me.id,
                NotificationKind::Mention,
                Some(post),
                Some(comment_id)
            )
            .await?;
            notified.extend(id);
        }
        tx.commit().await?;
        (comment_id, notified)
    });
    notifications::publish(&state, notified).await;

    let row: CommentRow = with_db!(&state.db, pool, {
        sqlx::query_as(concat!(comment_select!(), " WHERE c.id = $1"))
            .bind(comment_id)
            .fetch_one(pool)
            .await?
    });
    Ok((StatusCode::CREATED, Json(row.into_comment())))
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
    with_db!(&state.db, pool, {
        let mut tx = pool.begin_write().await?;
        let found: Option<(PostId, UserId, UserId)> = sqlx::query_as(
            "SELECT c.post_id, c.author_id, p.author_id
             FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((post, comment_author, post_author)) = found else {
            return Err(ApiError::not_found("comment"));
        };
        if me.id != comment_author && me.id != post_author {
            return Err(ApiError::forbidden(
                "only the comment's author or the post's author can delete it",
            ));
        }
        // Its notifications cascade.
        sqlx::query("DELETE FROM comments WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE posts SET comment_count = comment_count - 1 WHERE id = $1")
            .bind(post)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    });
    Ok(StatusCode::NO_CONTENT)
}
