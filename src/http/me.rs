//! The signed-in user's own account: `GET` and `PATCH /api/me`.

use axum::extract::{DefaultBodyLimit, State};
use serde::Deserialize;
use utoipa::openapi::schema::{ObjectBuilder, Schema};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::auth::AuthUser;
use crate::domain::error::{ApiError, ApiResult, ErrorBody};
use crate::domain::fields;
use crate::domain::User;
use crate::http::extract::{Json, Multipart};
use crate::http::posts::{multipart_error, spool_image};
use crate::http::state::AppState;
use crate::services::{accounts, follows};
use crate::store::users;

pub fn routes(max_image_bytes: usize) -> OpenApiRouter<AppState> {
    let avatar = OpenApiRouter::new()
        .routes(routes!(set_avatar))
        .layer(DefaultBodyLimit::max(max_image_bytes + 64 * 1024));
    OpenApiRouter::new()
        .routes(routes!(get_me, update_me))
        .merge(avatar)
}

/// The caller's account, with `email`.
#[utoipa::path(
    get,
    path = "/api/me",
    tag = "me",
    responses(
        (status = 200, description = "The caller's account", body = User),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn get_me(State(state): State<AppState>, me: AuthUser) -> ApiResult<Json<User>> {
    Ok(Json(
        users::own_account(&state.db, state.urls(), me.id).await?,
    ))
}

/// Only these fields can be changed here; anything else in the body is ignored.
#[derive(Deserialize, ToSchema)]
pub struct UpdateMe {
    /// At most 50 characters.
    #[schema(max_length = 50, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    display_name: Option<String>,
    /// At most 150 characters; may span lines.
    #[schema(
        max_length = 150,
        pattern = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*$"
    )]
    bio: Option<String>,
    /// Private: posts, the comments and likes on them and the lists of
    /// followers and followees reach only approved followers, and following
    /// becomes a request. Going public approves every pending request;
    /// going private keeps the followers.
    is_private: Option<bool>,
}

/// Changes the caller's display name, bio and privacy.
#[utoipa::path(
    patch,
    path = "/api/me",
    tag = "me",
    request_body = UpdateMe,
    responses(
        (status = 200, description = "The updated account", body = User),
        (status = 400, description = "Invalid input; the message names the field", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn update_me(
    State(state): State<AppState>,
    me: AuthUser,
    Json(update): Json<UpdateMe>,
) -> ApiResult<Json<User>> {
    let display_name = update
        .display_name
        .map(|name| fields::text("display_name", &name, fields::DISPLAY_NAME_MAX, false))
        .transpose()?;
    let bio = update
        .bio
        .map(|bio| fields::text("bio", &bio, fields::BIO_MAX, true))
        .transpose()?;
    users::update_profile(&state.db, me.id, display_name.as_deref(), bio.as_deref()).await?;
    if let Some(private) = update.is_private {
        follows::set_private(&state.services(), me.id, private).await?;
    }
    Ok(Json(
        users::own_account(&state.db, state.urls(), me.id).await?,
    ))
}

/// The multipart form of a new avatar, for the API document only.
pub struct AvatarForm;

impl utoipa::PartialSchema for AvatarForm {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .property(
                "image",
                fields::binary_schema().description(Some("A JPEG, PNG, WebP or GIF")),
            )
            .required("image")
            .into()
    }
}

impl ToSchema for AvatarForm {}

/// Replaces the caller's avatar (multipart field `image`).
#[utoipa::path(
    put,
    path = "/api/me/avatar",
    tag = "me",
    request_body(content = AvatarForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "The updated account", body = User),
        (status = 400, description = "No image field", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 413, description = "The image is too large", body = ErrorBody),
        (status = 415, description = "Not a supported image", body = ErrorBody),
        (status = 503, description = "Too many uploads in flight (UPLOAD_MEMORY_BUDGET); see Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn set_avatar(
    State(state): State<AppState>,
    me: AuthUser,
    Multipart(mut multipart): Multipart,
) -> ApiResult<Json<User>> {
    let mut image = None;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        if field.name() == Some("image") {
            image = Some(spool_image(&mut field, &state.media).await?);
            break;
        }
    }
    let image = image.ok_or_else(|| ApiError::invalid("image", "an image file is required"))?;
    // Stored file and committed row go together even if the client hangs up.
    state
        .finish_detached(accounts::replace_avatar(state.services(), me.id, image))
        .await?;
    Ok(Json(
        users::own_account(&state.db, state.urls(), me.id).await?,
    ))
}
