//! Following someone: the edge, the counters, and their notification.

use crate::domain::error::{ApiError, ApiResult};
use crate::domain::ids::UserId;
use crate::services::notifications;
use crate::services::Services;
use crate::store;

/// `follower` follows `followee` (idempotent); the followee hears of it
/// once, ever, live if connected.
pub async fn follow(app: &Services, follower: UserId, followee: UserId) -> ApiResult<()> {
    if follower == followee {
        return Err(ApiError::bad_request(
            "cannot_follow_self",
            "you cannot follow yourself",
        ));
    }
    let notified = store::follows::follow(&app.db, follower, followee).await?;
    notifications::publish(&app.db, app.urls(), &*app.broker, notified).await;
    Ok(())
}
