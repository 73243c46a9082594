//! Commenting: the comment, and the notifications of everyone it concerns.

use crate::domain::error::ApiResult;
use crate::domain::ids::{PostId, UserId};
use crate::domain::{text, Comment};
use crate::services::notifications;
use crate::state::AppState;
use crate::store;

/// `author` comments `body` (already validated) on `post`; the post's author
/// and anyone @mentioned hear of it, live if connected.
pub async fn add(
    state: &AppState,
    post: PostId,
    author: UserId,
    body: String,
) -> ApiResult<Comment> {
    let mentioned = store::users::ids_of(&state.db, &text::mentions(&body)).await?;
    let (comment, notified) =
        store::comments::add(&state.db, state.urls(), post, author, &body, &mentioned).await?;
    notifications::publish(&state.db, state.urls(), &*state.broker, notified).await;
    Ok(comment)
}
