//! Changes to one's own account that touch stored files.

use bytes::Bytes;

use crate::domain::error::ApiResult;
use crate::domain::ids::UserId;
use crate::services::{media, Services};
use crate::store::users;

/// Stores the new avatar, points the account at it and removes the old
/// file (queued with the change, so an unreachable store only delays it);
/// on failure the new file is removed instead.
pub async fn replace_avatar(app: Services, user: UserId, image: Bytes) -> ApiResult<()> {
    let key = app.media.store_avatar(image).await?;
    match users::replace_avatar(&app.db, user, &key).await {
        Ok(previous) => {
            media::delete_queued(&app.db, &*app.blobs, previous.into_iter().collect()).await;
            Ok(())
        }
        Err(e) => {
            app.media.remove([key]).await;
            Err(e)
        }
    }
}
