//! Photo posts: the `Post` object, publishing, reading, deleting, liking.

use std::collections::HashMap;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{AuthUser, MaybeAuthUser};
use crate::domain::fields;
use crate::domain::ids::{NotificationId, PostId, UserId};
use crate::domain::text;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::{Json, Multipart, Path};
use crate::http::users::{self, ShortUser};
use crate::media::{public_url, StoredImage};
use crate::notifications::insert_notification;
use crate::notifications::{self, NotificationKind};
use crate::realtime;
use crate::state::AppState;
use crate::store::with_db;
use crate::store::{placeholders, BeginWrite, Db, Timestamp};

/// Most images in one post.
pub const MAX_IMAGES: usize = 10;
pub const CAPTION_MAX: usize = 2200;
pub const ALT_MAX: usize = 1500;

pub fn routes(max_image_bytes: usize) -> OpenApiRouter<AppState> {
    // A post carries up to ten images plus a little text.
    let upload_limit = max_image_bytes * MAX_IMAGES + 64 * 1024;
    let upload = OpenApiRouter::new()
        .routes(routes!(create_post))
        .layer(DefaultBodyLimit::max(upload_limit));
    OpenApiRouter::new()
        .merge(upload)
        .routes(routes!(get_post, delete_post))
        .routes(routes!(like, unlike))
}

/// A photo post as clients see it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Post {
    pub id: PostId,
    pub author: ShortUser,
    pub caption: String,
    pub media: Vec<Media>,
    /// Lower case, without `#`, in order of appearance.
    pub hashtags: Vec<String>,
    pub like_count: i64,
    pub comment_count: i64,
    /// Always false for a signed-out caller.
    pub liked_by_me: bool,
    pub created_at: Timestamp,
}

/// One image of a post.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Media {
    /// The display version: long side at most 1080 px.
    pub url: String,
    /// A 320 px square, centre-cropped.
    pub thumbnail_url: String,
    pub width: i64,
    pub height: i64,
    /// A compact placeholder to paint while the image loads.
    pub blurhash: String,
    pub alt: String,
}

/// A post with its author, as every post list selects it.
#[derive(sqlx::FromRow)]
pub(crate) struct PostRow {
    pub(crate) id: PostId,
    caption: String,
    like_count: i64,
    comment_count: i64,
    pub(crate) created_at: Timestamp,
    liked_by_me: bool,
    author_id: UserId,
    author_username: String,
    author_display_name: String,
    author_avatar_key: Option<String>,
}

/// The columns of a `PostRow` from `posts p JOIN users u`; `$1` is the
/// viewer (or NULL), which decides `liked_by_me`.
macro_rules! post_columns {
    () => {
        "p.id, p.caption, p.like_count, p.comment_count, p.created_at,
         u.id AS author_id, u.username AS author_username,
         u.display_name AS author_display_name, u.avatar_key AS author_avatar_key,
         EXISTS (SELECT 1 FROM likes l WHERE l.post_id = p.id AND l.user_id = $1) AS liked_by_me"
    };
}
pub(crate) use post_columns;

#[derive(sqlx::FromRow)]
struct MediaRow {
    post_id: PostId,
    image_key: String,
    thumb_key: String,
    width: i64,
    height: i64,
    blurhash: String,
    alt: String,
}

/// The media of `posts` posts, bound as `$1`…: the second and last query of
/// every page of posts (public for the load test's pgbench script).
pub fn media_query(posts: usize) -> String {
    format!(
        "SELECT post_id, image_key, thumb_key, width, height, blurhash, alt
         FROM media WHERE post_id IN ({}) ORDER BY post_id, position",
        placeholders(1, posts)
    )
}

/// Turns rows into `Post`s, loading the media of all of them in one query.
pub(crate) async fn hydrate(db: &Db, rows: Vec<PostRow>) -> ApiResult<Vec<Post>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let sql = media_query(rows.len());
    let media_rows: Vec<MediaRow> = with_db!(db, pool, {
        let mut query = sqlx::query_as::<_, MediaRow>(&sql);
        for row in &rows {
            query = query.bind(row.id);
        }
        query.fetch_all(pool).await?
    });
    let mut media: HashMap<PostId, Vec<Media>> = HashMap::new();
    for row in media_rows {
        media.entry(row.post_id).or_default().push(Media {
            url: public_url(&row.image_key),
            thumbnail_url: public_url(&row.thumb_key),
            width: row.width,
            height: row.height,
            blurhash: row.blurhash,
            alt: row.alt,
        });
    }
    Ok(rows
        .into_iter()
        .map(|row| Post {
            id: row.id,
            author: ShortUser {
                id: row.author_id,
                username: row.author_username,
                display_name: row.author_display_name,
                avatar_url: row.author_avatar_key.as_deref().map(public_url),
            },
            hashtags: text::hashtags(&row.caption),
            media: media.remove(&row.id).unwrap_or_default(),
            caption: row.caption,
            like_count: row.like_count,
            comment_count: row.comment_count,
            liked_by_me: row.liked_by_me,
            created_at: row.created_at,
        })
        .collect())
}

/// Loads one post as `viewer` sees it.
pub(crate) async fn load(db: &Db, id: PostId, viewer: Option<UserId>) -> ApiResult<Option<Post>> {
    let row: Option<PostRow> = with_db!(db, pool, {
        sqlx::query_as(concat!(
            "SELECT ",
            post_columns!(),
            " FROM posts p JOIN users u ON u.id = p.author_id WHERE p.id = $2"
        ))
        .bind(viewer)
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    Ok(hydrate(db, row.into_iter().collect()).await?.pop())
}

async fn load_existing(db: &Db, id: PostId, viewer: Option<UserId>) -> ApiResult<Post> {
    load(db, id, viewer)
        .await?
        .ok_or_else(|| ApiError::not_found("post"))
}

/// The multipart form of a new post, for the API document only:
/// `read_upload` reads the fields as they stream in.
pub struct NewPostForm;

impl utoipa::PartialSchema for NewPostForm {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .property(
                "image",
                ArrayBuilder::new()
                    .items(fields::binary_schema())
                    .min_items(Some(1))
                    .max_items(Some(MAX_IMAGES))
                    .description(Some("1–10 files: JPEG, PNG, WebP or GIF")),
            )
            .required("image")
            .property(
                "caption",
                fields::text_schema(CAPTION_MAX, true)
                    .description(Some("Hashtags and @mentions are read from it")),
            )
            .property(
                "alt",
                ArrayBuilder::new()
                    .items(fields::text_schema(ALT_MAX, false))
                    .max_items(Some(MAX_IMAGES))
                    .description(Some("Alt texts, matched to the images in order")),
            )
            .into()
    }
}

impl ToSchema for NewPostForm {}

/// A new post as read from the multipart body, before any image is processed.
struct Upload {
    images: Vec<axum::body::Bytes>,
    caption: String,
    alts: Vec<String>,
}

async fn read_upload(
    Multipart(mut multipart): Multipart,
    max_image_bytes: usize,
) -> ApiResult<Upload> {
    let mut upload = Upload {
        images: Vec::new(),
        caption: String::new(),
        alts: Vec::new(),
    };
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name().unwrap_or_default() {
            "image" => {
                if upload.images.len() == MAX_IMAGES {
                    return Err(ApiError::invalid("image", "at most 10 images per post"));
                }
                // Read chunk by chunk so an oversized image is refused as
                // soon as it passes the limit, not after it is all in memory.
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    if bytes.len() + chunk.len() > max_image_bytes {
                        return Err(ApiError::too_large(format!(
                            "image: each image must be at most {max_image_bytes} bytes"
                        )));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                upload.images.push(bytes.into());
            }
            "caption" => {
                let caption = field.text().await.map_err(multipart_error)?;
                upload.caption = fields::text("caption", &caption, CAPTION_MAX, true)?;
            }
            "alt" => {
                if upload.alts.len() == MAX_IMAGES {
                    return Err(ApiError::invalid("alt", "at most one alt text per image"));
                }
                let alt = field.text().await.map_err(multipart_error)?;
                upload.alts.push(fields::text("alt", &alt, ALT_MAX, false)?);
            }
            _ => {}
        }
    }
    if upload.images.is_empty() {
        return Err(ApiError::invalid(
            "image",
            "a post needs at least one image",
        ));
    }
    if upload.alts.len() > upload.images.len() {
        return Err(ApiError::invalid("alt", "more alt texts than images"));
    }
    if text::hashtags(&upload.caption).len() > text::MAX_HASHTAGS {
        return Err(ApiError::invalid("caption", "at most 30 hashtags per post"));
    }
    Ok(upload)
}

pub(crate) fn multipart_error(err: axum::extract::multipart::MultipartError) -> ApiError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large("the upload is too large")
    } else {
        ApiError::bad_request(
            "invalid_multipart",
            format!("could not read the upload: {}", err.body_text()),
        )
    }
}

/// Publishes a photo post (multipart: `image` ×1–10, `caption`, `alt` ×n).
#[utoipa::path(
    post,
    path = "/api/posts",
    tag = "posts",
    request_body(content = NewPostForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The new post", body = Post),
        (status = 400, description = "Invalid input; the message names the field", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 413, description = "An image or the whole upload is too large", body = ErrorBody),
        (status = 415, description = "Not a supported image", body = ErrorBody),
        (status = 429, description = "Too many writes from this account; see Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn create_post(
    State(state): State<AppState>,
    me: AuthUser,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<Post>)> {
    state.limits.write(me.id)?;
    let upload = read_upload(multipart, state.media.max_image_bytes()).await?;
    // A client that hangs up now must not cancel us between writing files
    // and committing (which would leave files no row points at).
    let post = state
        .finish_detached(publish_upload(state.clone(), me.id, upload))
        .await?;
    Ok((StatusCode::CREATED, Json(post)))
}

/// Stores the images, writes the post, then announces it. On any failure
/// the files already written are removed.
async fn publish_upload(state: AppState, author: UserId, upload: Upload) -> ApiResult<Post> {
    let mut stored: Vec<StoredImage> = Vec::with_capacity(upload.images.len());
    for image in upload.images {
        match state.media.store_post_image(image).await {
            Ok(image) => stored.push(image),
            Err(e) => {
                state
                    .media
                    .remove(stored.iter().flat_map(StoredImage::keys))
                    .await;
                return Err(e);
            }
        }
    }

    match insert_post(&state.db, author, &upload.caption, &upload.alts, &stored).await {
        Ok((post_id, notified)) => {
            notifications::publish(&state, notified).await;
            let post = load_existing(&state.db, post_id, Some(author)).await?;
            realtime::publish_post(&state, post.clone());
            Ok(post)
        }
        Err(e) => {
            // The transaction rolled back: leave no orphan files either.
            state
                .media
                .remove(stored.iter().flat_map(StoredImage::keys))
                .await;
            Err(e)
        }
    }
}

/// Writes a post, its media, its hashtags and its mentions in one transaction.
async fn insert_post(
    db: &Db,
    author: UserId,
    caption: &str,
    alts: &[String],
    images: &[StoredImage],
) -> ApiResult<(PostId, Vec<NotificationId>)> {
    let now = Timestamp::now();
    let tags = text::hashtags(caption);
    let mentioned = users::ids_of(db, &text::mentions(caption)).await?;
    Ok(with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        let post_id: PostId = sqlx::query_scalar(
            "INSERT INTO posts (author_id, caption, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(author)
        .bind(caption)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for (position, image) in images.iter().enumerate() {
            sqlx::query(
                "INSERT INTO media (post_id, position, image_key, thumb_key, width, height, blurhash, alt)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(post_id)
            .bind(position as i64)
            .bind(&image.image_key)
            .bind(&image.thumb_key)
            .bind(i64::from(image.width))
            .bind(i64::from(image.height))
            .bind(&image.blurhash)
            .bind(alts.get(position).map_or("", String::as_str))
            .execute(&mut *tx)
            .await?;
        }
        for tag in &tags {
            let hashtag_id: i64 = sqlx::query_scalar(
                "INSERT INTO hashtags (tag, post_count) VALUES ($1, 1)
                 ON CONFLICT (tag) DO UPDATE SET post_count = hashtags.post_count + 1
                 RETURNING id",
            )
            .bind(tag)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO post_hashtags (hashtag_id, post_id, created_at) VALUES ($1, $2, $3)",
            )
            .bind(hashtag_id)
            .bind(post_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE users SET posts_count = posts_count + 1 WHERE id = $1")
            .bind(author)
            .execute(&mut *tx)
            .await?;
        let mut notified = Vec::new();
        for &recipient in &mentioned {
            if recipient != author {
                let id = insert_notification!(
                    tx,
                    recipient,
                    author,
                    NotificationKind::Mention,
                    Some(post_id),
                    None::<i64>
                )
                .await?;
                notified.extend(id);
            }
        }
        tx.commit().await?;
        (post_id, notified)
    }))
}

/// One post.
#[utoipa::path(
    get,
    path = "/api/posts/{id}",
    tag = "posts",
    params(("id" = i64, Path, description = "Post id")),
    responses(
        (status = 200, description = "The post", body = Post),
        (status = 401, description = "An invalid access token was sent", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
async fn get_post(
    State(state): State<AppState>,
    viewer: Option<AuthUser>,
    Path(id): Path<PostId>,
) -> ApiResult<Json<Post>> {
    Ok(Json(load_existing(&state.db, id, viewer.user_id()).await?))
}

/// Deletes a post with its likes, comments, tags, notifications and files.
#[utoipa::path(
    delete,
    path = "/api/posts/{id}",
    tag = "posts",
    params(("id" = i64, Path, description = "Post id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the author", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn delete_post(
    State(state): State<AppState>,
    me: AuthUser,
    Path(id): Path<PostId>,
) -> ApiResult<StatusCode> {
    let keys: Vec<String> = with_db!(&state.db, pool, {
        let mut tx = pool.begin_write().await?;
        let author: Option<UserId> =
            sqlx::query_scalar("SELECT author_id FROM posts WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        match author {
            None => return Err(ApiError::not_found("post")),
            Some(author) if author != me.id => {
                return Err(ApiError::forbidden("only the author can delete a post"))
            }
            Some(_) => {}
        }
        let files: Vec<(String, String)> =
            sqlx::query_as("SELECT image_key, thumb_key FROM media WHERE post_id = $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        sqlx::query(
            "UPDATE hashtags SET post_count = post_count - 1
             WHERE id IN (SELECT hashtag_id FROM post_hashtags WHERE post_id = $1)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        // Likes, comments, media rows, tag links and notifications cascade.
        sqlx::query("DELETE FROM posts WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE users SET posts_count = posts_count - 1 WHERE id = $1")
            .bind(me.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        files
            .into_iter()
            .flat_map(|(image, thumb)| [image, thumb])
            .collect()
    });
    state.media.remove(keys).await;
    Ok(StatusCode::NO_CONTENT)
}

/// A like on PostgreSQL as one statement (so one round trip and one commit
/// instead of six): the like, the counter and the author's notification,
/// each only if the step before it happened. The same as the SQLite
/// transaction in [`like`]; likes are the most frequent write.
/// `$1` post, `$2` liker, `$3` now, `$4` the notification kind.
const LIKE_POSTGRES: &str = "
    WITH liked AS (
        INSERT INTO likes (post_id, user_id, created_at)
        SELECT id, $2, $3 FROM posts WHERE id = $1
        ON CONFLICT DO NOTHING
        RETURNING post_id
    ), counted AS (
        UPDATE posts SET like_count = like_count + 1
        WHERE id = (SELECT post_id FROM liked)
        RETURNING author_id
    ), notified AS (
        INSERT INTO notifications (recipient_id, actor_id, kind, post_id, created_at)
        SELECT author_id, $2, $4, $1, $3 FROM counted WHERE author_id <> $2
        ON CONFLICT DO NOTHING
        RETURNING id
    )
    SELECT EXISTS (SELECT 1 FROM posts WHERE id = $1), (SELECT id FROM notified)";

/// Likes a post (idempotent); its author is notified once, ever.
#[utoipa::path(
    put,
    path = "/api/posts/{id}/like",
    tag = "posts",
    params(("id" = i64, Path, description = "Post id")),
    responses(
        (status = 200, description = "The post, liked", body = Post),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
        (status = 429, description = "Too many writes from this account; see Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn like(
    State(state): State<AppState>,
    me: AuthUser,
    Path(id): Path<PostId>,
) -> ApiResult<Json<Post>> {
    state.limits.write(me.id)?;
    let notified: Vec<NotificationId> = match &state.db {
        Db::Postgres(pool) => {
            let (found, notification): (bool, Option<NotificationId>) =
                sqlx::query_as(LIKE_POSTGRES)
                    .bind(id)
                    .bind(me.id)
                    .bind(Timestamp::now())
                    .bind(NotificationKind::Like.as_str())
                    .fetch_one(pool)
                    .await?;
            if !found {
                return Err(ApiError::not_found("post"));
            }
            notification.into_iter().collect()
        }
        Db::Sqlite(pool) => {
            let mut tx = pool.begin_write().await?;
            let author: Option<UserId> =
                sqlx::query_scalar("SELECT author_id FROM posts WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(author) = author else {
                return Err(ApiError::not_found("post"));
            };
            let inserted = sqlx::query(
                "INSERT INTO likes (post_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(me.id)
            .bind(Timestamp::now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let mut notified = Vec::new();
            if inserted == 1 {
                sqlx::query("UPDATE posts SET like_count = like_count + 1 WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if author != me.id {
                    let id = insert_notification!(
                        tx,
                        author,
                        me.id,
                        NotificationKind::Like,
                        Some(id),
                        None::<i64>
                    )
                    .await?;
                    notified.extend(id);
                }
            }
            tx.commit().await?;
            notified
        }
    };
    notifications::publish(&state, notified).await;
    Ok(Json(load_existing(&state.db, id, Some(me.id)).await?))
}

/// Takes a like back (idempotent).
#[utoipa::path(
    delete,
    path = "/api/posts/{id}/like",
    tag = "posts",
    params(("id" = i64, Path, description = "Post id")),
    responses(
        (status = 200, description = "The post, not liked", body = Post),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
        (status = 429, description = "Too many writes from this account; see Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn unlike(
    State(state): State<AppState>,
    me: AuthUser,
    Path(id): Path<PostId>,
) -> ApiResult<Json<Post>> {
    state.limits.write(me.id)?;
    with_db!(&state.db, pool, {
        let mut tx = pool.begin_write().await?;
        let removed = sqlx::query("DELETE FROM likes WHERE post_id = $1 AND user_id = $2")
            .bind(id)
            .bind(me.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 1 {
            sqlx::query("UPDATE posts SET like_count = like_count - 1 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    });
    Ok(Json(load_existing(&state.db, id, Some(me.id)).await?))
}
