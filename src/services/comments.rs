//! Commenting: the comment, and the notifications of everyone it concerns.

use crate::domain::error::ApiResult;
use crate::domain::ids::{PostId, UserId};
use crate::domain::{text, Comment};
use crate::services::notifications;
use crate::services::Services;
use crate::store;

/// `author` comments `body` (already validated) on `post`; the post's author
/// and anyone @mentioned hear of it, live if connected.
pub async fn add(app: &Services, post: PostId, author: UserId, body: String) -> ApiResult<Comment> {
    let mentioned = store::users::ids_of(&app.db, &text::mentions(&body)).await?;
    let (comment, notified) =
        store::comments::add(&app.db, app.urls(), post, author, &body, &mentioned).await?;
    notifications::publish(&app.db, app.urls(), &*app.broker, notified).await;
    Ok(comment)
}
