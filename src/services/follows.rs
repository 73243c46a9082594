//! Following someone: the edge (or, to a private account, the request and
//! its approval), the counters, and their notifications.

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

/// `user` approves `requester`'s follow request; the requester hears of it
/// live if connected.
pub async fn approve(app: &Services, user: UserId, requester: UserId) -> ApiResult<()> {
    let notified = store::follow_requests::approve(&app.db, user, requester).await?;
    notifications::publish(&app.db, app.urls(), &*app.broker, notified).await;
    Ok(())
}

/// Makes `user`'s account private or public; going public approves every
/// pending request, and each requester hears of it live if connected.
pub async fn set_private(app: &Services, user: UserId, private: bool) -> ApiResult<()> {
    let notified = store::follow_requests::set_private(&app.db, user, private).await?;
    notifications::publish(&app.db, app.urls(), &*app.broker, notified).await;
    Ok(())
}
