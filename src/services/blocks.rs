//! Blocking and muting: the relation, and what it takes out of live events
//! already on their way (see [`crate::live::hides`]).

use crate::domain::error::ApiResult;
use crate::domain::ids::UserId;
use crate::live::hides::Hide;
use crate::services::Services;
use crate::store;

/// `blocker` blocks `blocked` (idempotent): from the commit on, neither
/// account's sockets send anything of the other's.
pub async fn block(app: &Services, blocker: UserId, blocked: UserId) -> ApiResult<()> {
    store::blocks::block(&app.db, blocker, blocked).await?;
    app.broker
        .hidden(blocker, blocked, Hide::PostsAndNotifications);
    app.broker
        .hidden(blocked, blocker, Hide::PostsAndNotifications);
    Ok(())
}

/// `muter` mutes `muted` (idempotent; `notifications` replaces the earlier
/// choice): from the commit on, the muter's sockets send no posts of the
/// muted account, nor its notifications when `notifications` is set.
pub async fn mute(
    app: &Services,
    muter: UserId,
    muted: UserId,
    notifications: bool,
) -> ApiResult<()> {
    store::blocks::mute(&app.db, muter, muted, notifications).await?;
    let hide = if notifications {
        Hide::PostsAndNotifications
    } else {
        Hide::Posts
    };
    app.broker.hidden(muter, muted, hide);
    Ok(())
}
