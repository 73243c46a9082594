//! Moderation as acts: filing a report (and telling the moderators),
//! resolving one, suspending and reinstating accounts, naming moderators.
//! The stores commit each act with its log row; this module finishes what
//! must follow the commit: live notifications, ended sessions, files.

use crate::config::Config;
use crate::domain::error::{ApiError, ApiResult};
use crate::domain::fields::Username;
use crate::domain::ids::{ReportId, SessionId, UserId};
use crate::domain::moderation::{AccountStatus, Report, ReportReason, Resolution, TargetRef};
use crate::services::{media, notifications, Services};
use crate::store::moderation;

/// The accounts `ADMIN_USERNAMES` names; a name that no account could have
/// is a configuration error.
pub fn configured_admins(config: &Config) -> anyhow::Result<Vec<Username>> {
    config
        .admin_usernames
        .iter()
        .map(|name| {
            Username::parse(name)
                .map_err(|_| anyhow::anyhow!("ADMIN_USERNAMES: {name:?} is not a valid username"))
        })
        .collect()
}

/// `reporter` reports `target`; every moderator and admin (never the
/// reported account) hears of it live, as a `report` notification.
pub async fn report(
    app: &Services,
    reporter: UserId,
    target: &TargetRef,
    reason: ReportReason,
    note: &str,
) -> ApiResult<Report> {
    let (id, notified) = moderation::create_report(&app.db, reporter, target, reason, note).await?;
    notifications::publish(&app.db, app.urls(), &*app.broker, notified).await;
    load(app, id).await
}

/// `moderator` resolves report `id` (and every open report on the same
/// target); returns the report, now resolved.
pub async fn resolve(
    app: &Services,
    moderator: UserId,
    id: ReportId,
    resolution: Resolution,
    reason: &str,
) -> ApiResult<Report> {
    let done = moderation::resolve(&app.db, moderator, id, resolution, reason).await?;
    media::delete_queued(&app.db, &*app.blobs, done.files).await;
    if let Some((account, sessions)) = done.suspended {
        end_sessions(app, account, sessions);
    }
    load(app, id).await
}

/// `moderator` suspends (`suspend`) or reinstates `account`; returns how it
/// stands now.
pub async fn set_suspension(
    app: &Services,
    moderator: UserId,
    account: UserId,
    suspend: bool,
    reason: &str,
) -> ApiResult<AccountStatus> {
    let sessions = moderation::set_suspension(&app.db, moderator, account, suspend, reason).await?;
    end_sessions(app, account, sessions);
    status(app, account).await
}

/// `admin` grants (`grant`) or revokes the moderator role of `account`.
pub async fn set_moderator(
    app: &Services,
    admin: UserId,
    account: UserId,
    grant: bool,
) -> ApiResult<AccountStatus> {
    moderation::set_moderator(&app.db, admin, account, grant).await?;
    status(app, account).await
}

/// The revoked sessions' access tokens are refused from now on and their
/// live sockets close, on every instance.
fn end_sessions(app: &Services, account: UserId, sessions: Vec<SessionId>) {
    for session in sessions {
        app.broker.session_revoked(account, session);
    }
}

async fn load(app: &Services, id: ReportId) -> ApiResult<Report> {
    moderation::report(&app.db, app.urls(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("report"))
}

async fn status(app: &Services, account: UserId) -> ApiResult<AccountStatus> {
    moderation::account_status(&app.db, account)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))
}
