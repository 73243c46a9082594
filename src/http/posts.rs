//! Photo posts: publishing, reading, deleting, liking.

use axum::extract::multipart::Field;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::auth::AuthUser;
use crate::domain::error::{ApiError, ApiResult, ErrorBody};
use crate::domain::fields;
use crate::domain::ids::{PostId, UserId};
use crate::domain::post::{ALT_MAX, CAPTION_MAX, MAX_IMAGES};
use crate::domain::text;
use crate::domain::Post;
use crate::http::auth_user::MaybeAuthUser;
use crate::http::extract::{Json, Multipart, Path};
use crate::http::state::AppState;
use crate::media::{MediaStore, SpooledImage};
use crate::services::posts::{self, NewPost};
use crate::store;

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

async fn load_existing(state: &AppState, id: PostId, viewer: Option<UserId>) -> ApiResult<Post> {
    store::posts::load(&state.db, state.urls(), id, viewer)
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

async fn read_upload(
    Multipart(mut multipart): Multipart,
    media: &MediaStore,
) -> ApiResult<NewPost> {
    let mut upload = NewPost {
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
                upload.images.push(spool_image(&mut field, media).await?);
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

/// Streams an image field into a temporary file, chunk by chunk, so an
/// oversized image is refused as soon as it passes the limit and no image
/// is ever held whole in memory while the rest of the upload arrives.
pub(crate) async fn spool_image(
    field: &mut Field<'_>,
    media: &MediaStore,
) -> ApiResult<SpooledImage> {
    let max = media.max_image_bytes();
    let mut spooler = media.spool().await?;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if spooler.len() + chunk.len() > max {
            return Err(ApiError::too_large(format!(
                "image: each image must be at most {max} bytes"
            )));
        }
        spooler.write(&chunk).await?;
    }
    spooler.finish().await
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
        (status = 503, description = "Too many uploads in flight (UPLOAD_MEMORY_BUDGET); see Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn create_post(
    State(state): State<AppState>,
    me: AuthUser,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<Post>)> {
    state.limits.write(me.id).await?;
    let upload = read_upload(multipart, &state.media).await?;
    // A client that hangs up now must not cancel us between writing files
    // and committing (which would leave files no row points at).
    let post = state
        .finish_detached(posts::publish(state.services(), me.id, upload))
        .await?;
    Ok((StatusCode::CREATED, Json(post)))
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
    Ok(Json(load_existing(&state, id, viewer.user_id()).await?))
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
    posts::delete(&state.services(), id, me.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

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
    state.limits.write(me.id).await?;
    posts::like(&state.services(), id, me.id).await?;
    Ok(Json(load_existing(&state, id, Some(me.id)).await?))
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
    state.limits.write(me.id).await?;
    store::posts::unlike(&state.db, id, me.id).await?;
    Ok(Json(load_existing(&state, id, Some(me.id)).await?))
}
