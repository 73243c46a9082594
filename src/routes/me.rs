//! The signed-in user's own account: `GET` and `PATCH /api/me`.

use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::AuthUser;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Json;
use crate::fields;
use crate::routes::users::{self, User};
use crate::state::AppState;
use crate::with_db;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_me, update_me))
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
    display_name: Option<String>,
    /// At most 150 characters; may span lines.
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
    with_db!(&state.db, pool => {
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
