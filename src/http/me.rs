//! The signed-in user's own account: `GET` and `PATCH /api/me`.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use serde::Deserialize;
use utoipa::openapi::schema::{ObjectBuilder, Schema};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::AuthUser;
use crate::domain::fields;
use crate::domain::ids::UserId;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::{Json, Multipart};
use crate::http::posts::multipart_error;
use crate::http::users::{self, User};
use crate::state::AppState;
use crate::store::with_db;
use crate::store::BeginWrite;

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
        users::load_self(&state.db, me.id).await?.into_own_user(),
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
}

/// Changes the caller's display name and bio.
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
    with_db!(&state.db, pool, {
        sqlx::query(
            "UPDATE users SET display_name = COALESCE($2, display_name), bio = COALESCE($3, bio)
             WHERE id = $1",
        )
        .bind(me.id)
        .bind(display_name)
        .bind(bio)
        .execute(pool)
        .await
        .map(drop)?
    });
    Ok(Json(
        users::load_self(&state.db, me.id).await?.into_own_user(),
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
    ),
    security(("bearer" = [])),
)]
async fn set_avatar(
    State(state): State<AppState>,
    me: AuthUser,
    Multipart(mut multipart): Multipart,
) -> ApiResult<Json<User>> {
    let mut image = None;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        if field.name() == Some("image") {
            image = Some(field.bytes().await.map_err(multipart_error)?);
            break;
        }
    }
    let image = image.ok_or_else(|| ApiError::invalid("image", "an image file is required"))?;
    if image.len() > state.media.max_image_bytes() {
        return Err(ApiError::too_large("image: the image is too large"));
    }
    // Stored file and committed row go together even if the client hangs up.
    state
        .finish_detached(replace_avatar(state.clone(), me.id, image))
        .await?;
    Ok(Json(
        users::load_self(&state.db, me.id).await?.into_own_user(),
    ))
}

/// Stores the new avatar, points the account at it and removes the old file;
/// on failure the new file is removed instead.
async fn replace_avatar(state: AppState, user: UserId, image: Bytes) -> ApiResult<()> {
    let key = state.media.store_avatar(image).await?;
    let previous: Result<Option<String>, sqlx::Error> = with_db!(&state.db, pool, {
        let mut tx = pool.begin_write().await?;
        let previous: Option<String> =
            sqlx::query_scalar("SELECT avatar_key FROM users WHERE id = $1")
                .bind(user)
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query("UPDATE users SET avatar_key = $2 WHERE id = $1")
            .bind(user)
            .bind(&key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await.map(|()| previous)
    });
    match previous {
        Ok(previous) => state.media.remove(previous).await,
        Err(e) => {
            state.media.remove([key]).await;
            return Err(e.into());
        }
    }
    Ok(())
}
