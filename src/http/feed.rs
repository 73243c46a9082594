//! Lists of posts: the home feed, explore, a hashtag, a user's grid.

use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::auth::AuthUser;
use crate::domain::error::{ApiResult, ErrorBody};
use crate::domain::pagination::{Page, PageQuery};
use crate::domain::{text, Post};
use crate::http::auth_user::MaybeAuthUser;
use crate::http::extract::{Json, Path, Query};
use crate::http::state::AppState;
use crate::http::users;
use crate::store::feed;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(feed))
        .routes(routes!(explore))
        .routes(routes!(tag_posts))
        .routes(routes!(user_posts))
}

/// Posts by the people the caller follows and by the caller, newest first.
#[utoipa::path(
    get,
    path = "/api/feed",
    tag = "feed",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of posts", body = Page<Post>),
        (status = 400, description = "Invalid limit or cursor", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn feed(
    State(state): State<AppState>,
    me: AuthUser,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<Post>>> {
    let page = page.parse()?;
    Ok(Json(
        feed::home(&state.db, state.urls(), me.id, &page).await?,
    ))
}

/// Recent posts from everyone: for signed-out and new users.
#[utoipa::path(
    get,
    path = "/api/explore",
    tag = "feed",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of posts", body = Page<Post>),
        (status = 400, description = "Invalid limit or cursor", body = ErrorBody),
        (status = 401, description = "An invalid access token was sent", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
async fn explore(
    State(state): State<AppState>,
    viewer: Option<AuthUser>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<Post>>> {
    let page = page.parse()?;
    Ok(Json(
        feed::explore(&state.db, state.urls(), viewer.user_id(), &page).await?,
    ))
}

/// Posts whose caption carries a hashtag; a tag nobody used gives an empty page.
#[utoipa::path(
    get,
    path = "/api/tags/{tag}/posts",
    tag = "feed",
    params(("tag" = String, Path, description = "The hashtag, with or without '#', any case"), PageQuery),
    responses(
        (status = 200, description = "A page of posts", body = Page<Post>),
        (status = 400, description = "Invalid limit or cursor", body = ErrorBody),
        (status = 401, description = "An invalid access token was sent", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
async fn tag_posts(
    State(state): State<AppState>,
    viewer: Option<AuthUser>,
    Path(tag): Path<String>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<Post>>> {
    let page = page.parse()?;
    // Read as a caption's `#tag` is: characters no tag holds (a NUL, which
    // PostgreSQL would refuse, say) are dropped; if nothing is left, no
    // post can carry it.
    // Read as a caption's `#tag` is: characters no tag holds (a NUL, which
    // PostgreSQL would refuse, say) are dropped; if nothing is left, no
    // post can carry it.
    let tag = text::normalize_tag(tag.trim().trim_start_matches('#'));
    Ok(Json(
        feed::tagged(
            &state.db,
            state.urls(),
            tag.as_deref(),
            viewer.user_id(),
            &page,
        )
        .await?,
    ))
}

/// A user's posts, newest first (the profile grid).
#[utoipa::path(
    get,
    path = "/api/users/{username}/posts",
    tag = "users",
    params(("username" = String, Path, description = "Whose posts"), PageQuery),
    responses(
        (status = 200, description = "A page of posts", body = Page<Post>),
        (status = 400, description = "Invalid limit or cursor", body = ErrorBody),
        (status = 401, description = "An invalid access token was sent", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
async fn user_posts(
    State(state): State<AppState>,
    viewer: Option<AuthUser>,
    Path(username): Path<String>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<Post>>> {
    let page = page.parse()?;
    let viewer = viewer.user_id();
    let author = users::id_by_username(&state.db, &username, viewer).await?;
    Ok(Json(
        feed::by_author(&state.db, state.urls(), author, viewer, &page).await?,
    ))
}
