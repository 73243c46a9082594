//! Changes to one's own account that touch stored files.

use crate::domain::error::ApiResult;
use crate::domain::ids::UserId;
use crate::domain::media::avatar_keys;
use crate::media::{MediaStore, SpooledImage};
use crate::store::{users, Db};

/// Stores the new avatar, points the account at it and removes the old
/// file; on failure the new file is removed instead.
pub async fn replace_avatar(
    media: MediaStore,
    db: Db,
    user: UserId,
    image: SpooledImage,
) -> ApiResult<()> {
    let key = media.store_avatar(image).await?;
    match users::replace_avatar(&db, user, &key).await {
        Ok(previous) => {
            media
                .remove(previous.into_iter().flat_map(avatar_keys))
                .await;
            Ok(())
        }
        Err(e) => {
            media.remove(avatar_keys(key)).await;
            Err(e)
        }
    }
}
