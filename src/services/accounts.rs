//! Changes to one's own account that touch stored files.

use crate::domain::error::ApiResult;
use crate::domain::ids::UserId;
use crate::domain::media::avatar_keys;
use crate::media::SpooledImage;
use crate::services::{media, Services};
use crate::store::users;

/// Stores the new avatar, points the account at it and removes the old
/// files (queued with the change, so an unreachable store only delays it);
/// on failure the new files are removed instead.
pub async fn replace_avatar(app: Services, user: UserId, image: SpooledImage) -> ApiResult<()> {
    let key = app.media.store_avatar(image).await?;
    match users::replace_avatar(&app.db, user, &key).await {
        Ok(previous) => {
            let old = previous.into_iter().flat_map(avatar_keys).collect();
            media::delete_queued(&app.db, &*app.blobs, old).await;
            Ok(())
        }
        Err(e) => {
            app.media.remove(avatar_keys(key)).await;
            Err(e)
        }
    }
}
