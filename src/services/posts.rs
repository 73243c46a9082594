//! Posts as acts: publishing one with its files, deleting one with its
//! files, liking one with its notification.

use crate::domain::error::{ApiError, ApiResult};
use crate::domain::ids::{PostId, UserId};
use crate::domain::{text, Post};
use crate::media::{SpooledImage, StoredImage};
use crate::services::Services;
use crate::services::{media, notifications};
use crate::store;

/// A new post as read from the request, its text already validated and no
/// image processed yet.
pub struct NewPost {
    /// Still in their temporary files.
    pub images: Vec<SpooledImage>,
    pub caption: String,
    pub alts: Vec<String>,
}

/// Stores the images, writes the post, then announces it to the mentioned
/// and to connected followers. On any failure the files already written
/// are removed, so no file outlives a post that was never committed.
pub async fn publish(app: Services, author: UserId, new: NewPost) -> ApiResult<Post> {
    let mut mentioned = store::users::ids_of(&app.db, &text::mentions(&new.caption)).await?;
    // In id order, as `insert_notification!` requires.
    mentioned.sort_unstable();
    let mut stored: Vec<StoredImage> = Vec::with_capacity(new.images.len());
    for image in new.images {
        match app.media.store_post_image(image).await {
            Ok(image) => stored.push(image),
            Err(e) => {
                remove_files(&app, &stored).await;
                return Err(e);
            }
        }
    }

    let inserted = store::posts::insert(
        &app.db,
        author,
        &new.caption,
        &new.alts,
        &stored,
        &mentioned,
    )
    .await;
    match inserted {
        Ok((post_id, notified)) => {
            notifications::publish(&app.db, app.urls(), &*app.broker, notified).await;
            let post = store::posts::load(&app.db, app.urls(), post_id, Some(author))
                .await?
                .ok_or_else(|| ApiError::not_found("post"))?;
            announce(&app, post.clone());
            Ok(post)
        }
        Err(e) => {
            // The transaction rolled back: leave no orphan files either.
            remove_files(&app, &stored).await;
            Err(e)
        }
    }
}

async fn remove_files(app: &Services, stored: &[StoredImage]) {
    app.media
        .remove(stored.iter().flat_map(StoredImage::keys))
        .await;
}

/// Deletes `by`'s post with everything hanging off it, then its files
/// (queued with the rows, so an unreachable store only delays them).
pub async fn delete(app: &Services, id: PostId, by: UserId) -> ApiResult<()> {
    let keys = store::posts::delete(&app.db, id, by).await?;
    media::delete_queued(&app.db, &*app.blobs, keys).await;
    Ok(())
}

/// `by` likes a post (idempotent); its author hears of it once, ever.
pub async fn like(app: &Services, id: PostId, by: UserId) -> ApiResult<()> {
    let notified = store::posts::like(&app.db, id, by).await?;
    notifications::publish(&app.db, app.urls(), &*app.broker, notified).await;
    Ok(())
}

/// Sends a just-published post to the connected followers of its author,
/// from a task of its own so the request that created the post does not
/// wait. One query lists the followers (an index-only range on
/// `follows_followers`); the rest is in memory.
fn announce(app: &Services, post: Post) {
    if !app.broker.has_listeners() {
        return;
    }
    let app = app.clone();
    tokio::spawn(async move {
        match store::follows::follower_ids(&app.db, post.author.id).await {
            Ok(followers) => app.broker.post(&followers, &post),
            Err(e) => tracing::warn!(error = %e, "could not list followers for a post event"),
        }
    });
}
