//! Reports, roles, suspensions and the moderation log.
//!
//! Every moderator action writes its log row in the transaction of its
//! effect (`log_action!`), so the log never names an action that did not
//! happen, nor misses one that did.

use crate::domain::error::{ApiError, ApiResult};
use crate::domain::fields::Username;
use crate::domain::ids::{NotificationId, PostId, ReportId, SessionId, UserId};
use crate::domain::moderation::{
    AccountStatus, Action, ActionTarget, ModerationAction, Report, ReportReason, ReportStatus,
    ReportTarget, Resolution, Role, Target, TargetKind, TargetRef,
};
use crate::domain::notification::excerpt;
use crate::domain::pagination::{Cursor, Page, PageRequest};
use crate::domain::{MediaUrls, NotificationKind, ShortUser, Timestamp};
use crate::store::comments::remove_comment;
use crate::store::notifications::insert_notification;
use crate::store::posts::remove_post;
use crate::store::visibility::may_see;
use crate::store::{placeholders, with_db, BeginWrite, Db};

/// Writes one row of the moderation log in the open transaction `$tx`;
/// evaluates to a future of `Result<_, sqlx::Error>`.
macro_rules! log_action {
    ($tx:expr, $moderator:expr, $action:expr, $target:expr, $account:expr, $report:expr, $reason:expr) => {
        sqlx::query(
            "INSERT INTO moderation_actions
                 (moderator_id, action, target_kind, target_id, account_id, report_id, reason, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind($moderator)
        .bind(Action::as_str($action))
        .bind(TargetKind::as_str($target.kind))
        .bind($target.id)
        .bind($account)
        .bind($report)
        .bind($reason)
        .bind(Timestamp::now())
        .execute(&mut *$tx)
    };
}

/// Suspends `$account` in the open transaction `$tx` and revokes its
/// sessions; evaluates to a future of the revoked sessions, `None` when the
/// account was already suspended (and so had none left).
macro_rules! suspend_in {
    ($tx:expr, $account:expr) => {
        async {
            let (account, now): (UserId, Timestamp) = ($account, Timestamp::now());
            let changed = sqlx::query(
                "UPDATE users SET suspended_at = $2 WHERE id = $1 AND suspended_at IS NULL",
            )
            .bind(account)
            .bind(now)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Ok::<_, sqlx::Error>(None);
            }
            // Served by sessions_user.
            let revoked: Vec<SessionId> = sqlx::query_scalar(
                "UPDATE sessions SET revoked_at = $2
                 WHERE user_id = $1 AND revoked_at IS NULL RETURNING id",
            )
            .bind(account)
            .bind(now)
            .fetch_all(&mut *$tx)
            .await?;
            Ok(Some(revoked))
        }
    };
}

/// Closes every open report on `$target` in the open transaction `$tx`
/// (served by reports_open_target).
macro_rules! close_reports {
    ($tx:expr, $target:expr) => {
        sqlx::query(
            "UPDATE reports SET resolved_at = $3
             WHERE target_kind = $1 AND target_id = $2 AND resolved_at IS NULL",
        )
        .bind(TargetKind::as_str($target.kind))
        .bind($target.id)
        .bind(Timestamp::now())
        .execute(&mut *$tx)
    };
}

fn role(stored: &str) -> ApiResult<Role> {
    Role::parse(stored)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("unknown stored role {stored:?}")))
}

/// The role of `user`; `None` when there is no such account.
pub async fn role_of(db: &Db, user: UserId) -> ApiResult<Option<Role>> {
    let stored: Option<String> = with_db!(db, pool, {
        sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
            .bind(user)
            .fetch_optional(pool)
            .await?
    });
    stored.as_deref().map(role).transpose()
}

/// Makes the accounts named admins (configuration, `ADMIN_USERNAMES`); a
/// name without an account yet is skipped. Not a moderator action, so not
/// logged.
pub async fn promote_admins(db: &Db, names: &[Username]) -> ApiResult<()> {
    if names.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE users SET role = 'admin' WHERE role <> 'admin' AND username IN ({})",
        placeholders(1, names.len())
    );
    with_db!(db, pool, {
        let mut query = sqlx::query(&sql);
        for name in names {
            query = query.bind(name.as_str());
        }
        query.execute(pool).await?;
    });
    Ok(())
}

/// Whether `user` is suspended right now.
pub async fn is_suspended(db: &Db, user: UserId) -> ApiResult<bool> {
    Ok(with_db!(db, pool, {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND suspended_at IS NOT NULL)",
        )
        .bind(user)
        .fetch_one(pool)
        .await?
    }))
}

#[derive(sqlx::FromRow)]
struct StatusRow {
    id: UserId,
    username: String,
    role: String,
    suspended_at: Option<Timestamp>,
}

impl StatusRow {
    fn into_status(self) -> ApiResult<AccountStatus> {
        Ok(AccountStatus {
            role: role(&self.role)?,
            id: self.id,
            username: self.username,
            suspended_at: self.suspended_at,
        })
    }
}

/// An account's role and suspension; `None` when there is no such account.
pub async fn account_status(db: &Db, user: UserId) -> ApiResult<Option<AccountStatus>> {
    let row: Option<StatusRow> = with_db!(db, pool, {
        sqlx::query_as("SELECT id, username, role, suspended_at FROM users WHERE id = $1")
            .bind(user)
            .fetch_optional(pool)
            .await?
    });
    row.map(StatusRow::into_status).transpose()
}

/// The error for suspending a moderator or admin (themselves included).
fn staff_refusal() -> ApiError {
    ApiError::conflict(
        "cannot_suspend_staff",
        "moderators and admins cannot be suspended; revoke the moderator role first",
    )
}

/// `moderator` suspends (`suspend`) or reinstates `account`, logged with
/// `reason`; a repeat changes and logs nothing. Returns the sessions the
/// suspension revoked, for the caller to end live.
pub async fn set_suspension(
    db: &Db,
    moderator: UserId,
    account: UserId,
    suspend: bool,
    reason: &str,
) -> ApiResult<Vec<SessionId>> {
    let target = Target {
        kind: TargetKind::User,
        id: account.0,
    };
    Ok(with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        let stored: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
            .bind(account)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(stored) = stored else {
            return Err(ApiError::not_found("user"));
        };
        let mut revoked = Vec::new();
        if suspend {
            if role(&stored)?.moderates() {
                return Err(staff_refusal());
            }
            if let Some(sessions) = suspend_in!(tx, account).await? {
                log_action!(
                    tx,
                    moderator,
                    Action::SuspendAccount,
                    target,
                    account,
                    None::<ReportId>,
                    reason
                )
                .await?;
                revoked = sessions;
            }
        } else {
            let lifted = sqlx::query(
                "UPDATE users SET suspended_at = NULL WHERE id = $1 AND suspended_at IS NOT NULL",
            )
            .bind(account)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if lifted == 1 {
                log_action!(
                    tx,
                    moderator,
                    Action::UnsuspendAccount,
                    target,
                    account,
                    None::<ReportId>,
                    reason
                )
                .await?;
            }
        }
        tx.commit().await?;
        revoked
    }))
}

/// `admin` grants (`grant`) or revokes the moderator role of `account`; a
/// repeat changes and logs nothing, and an admin stays an admin (granting
/// changes nothing, revoking is refused: admins come from configuration).
pub async fn set_moderator(db: &Db, admin: UserId, account: UserId, grant: bool) -> ApiResult<()> {
    let target = Target {
        kind: TargetKind::User,
        id: account.0,
    };
    let (from, to, action) = if grant {
        (Role::User, Role::Moderator, Action::GrantModerator)
    } else {
        (Role::Moderator, Role::User, Action::RevokeModerator)
    };
    with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        let stored: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
            .bind(account)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(stored) = stored else {
            return Err(ApiError::not_found("user"));
        };
        if !grant && role(&stored)? == Role::Admin {
            return Err(ApiError::conflict(
                "cannot_revoke_admin",
                "admins come from ADMIN_USERNAMES; their role cannot be revoked here",
            ));
        }
        let changed = sqlx::query("UPDATE users SET role = $3 WHERE id = $1 AND role = $2")
            .bind(account)
            .bind(from.as_str())
            .bind(to.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 1 {
            log_action!(tx, admin, action, target, account, None::<ReportId>, "").await?;
        }
        tx.commit().await?;
    });
    Ok(())
}

/// A target found: its kind and id, whose it is, and the post and comment
/// a moderator's notification names.
type Found = (TargetKind, i64, UserId, Option<PostId>, Option<i64>);

/// Files a report of `target` by `reporter` and notifies every moderator
/// and admin but the reporter and the reported account. Something the
/// reporter may not see is a 404, their own account or content a 400, a
/// second open report of the same target a 409.
pub async fn create_report(
    db: &Db,
    reporter: UserId,
    target: &TargetRef,
    reason: ReportReason,
    note: &str,
) -> ApiResult<(ReportId, Vec<NotificationId>)> {
    Ok(with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        let found: Option<Found> = match target {
            TargetRef::Post(id) => sqlx::query_scalar::<_, UserId>(concat!(
                "SELECT p.author_id FROM posts p WHERE p.id = $1 AND ",
                may_see!("$2", "p.author_id")
            ))
            .bind(*id)
            .bind(reporter)
            .fetch_optional(&mut *tx)
            .await?
            .map(|author| (TargetKind::Post, id.0, author, Some(*id), None)),
            TargetRef::Comment(id) => sqlx::query_as::<_, (UserId, PostId)>(concat!(
                "SELECT c.author_id, c.post_id FROM comments c JOIN posts p ON p.id = c.post_id
                 WHERE c.id = $1 AND ",
                may_see!("$2", "c.author_id"),
                " AND ",
                may_see!("$2", "p.author_id"),
                " AND ",
                may_see!("p.author_id", "c.author_id")
            ))
            .bind(*id)
            .bind(reporter)
            .fetch_optional(&mut *tx)
            .await?
            .map(|(author, post)| (TargetKind::Comment, id.0, author, Some(post), Some(id.0))),
            TargetRef::UserId(id) => sqlx::query_scalar::<_, UserId>(concat!(
                "SELECT u.id FROM users u WHERE u.id = $1 AND ",
                may_see!("$2", "u.id")
            ))
            .bind(*id)
            .bind(reporter)
            .fetch_optional(&mut *tx)
            .await?
            .map(|user| (TargetKind::User, user.0, user, None, None)),
            TargetRef::Username(name) => sqlx::query_scalar::<_, UserId>(concat!(
                "SELECT u.id FROM users u WHERE u.username = $1 AND ",
                may_see!("$2", "u.id")
            ))
            .bind(name.as_str())
            .bind(reporter)
            .fetch_optional(&mut *tx)
            .await?
            .map(|user| (TargetKind::User, user.0, user, None, None)),
        };
        let Some((kind, target_id, account, post, comment)) = found else {
            return Err(ApiError::not_found(match target {
                TargetRef::Post(_) => "post",
                TargetRef::Comment(_) => "comment",
                TargetRef::UserId(_) | TargetRef::Username(_) => "user",
            }));
        };
        if account == reporter {
            return Err(ApiError::bad_request(
                "cannot_report_self",
                "you cannot report yourself or your own posts and comments",
            ));
        }
        let id: Option<ReportId> = sqlx::query_scalar(
            "INSERT INTO reports (reporter_id, target_kind, target_id, account_id, reason, note, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT DO NOTHING
             RETURNING id",
        )
        .bind(reporter)
        .bind(kind.as_str())
        .bind(target_id)
        .bind(account)
        .bind(reason.as_str())
        .bind(note)
        .bind(Timestamp::now())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            return Err(ApiError::conflict(
                "already_reported",
                "you already have an open report of this; a moderator will look at it",
            ));
        };
        // In id order, as `insert_notification!` requires; served by users_staff.
        let moderators: Vec<UserId> = sqlx::query_scalar(
            "SELECT id FROM users WHERE role <> 'user' AND id <> $1 AND id <> $2 ORDER BY id",
        )
        .bind(reporter)
        .bind(account)
        .fetch_all(&mut *tx)
        .await?;
        let mut notified = Vec::new();
        for moderator in moderators {
            let note = insert_notification!(
                tx,
                moderator,
                reporter,
                NotificationKind::Report,
                post,
                comment
            )
            .await?;
            notified.extend(note);
        }
        tx.commit().await?;
        (id, notified)
    }))
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: ReportId,
    target_kind: String,
    target_id: i64,
    reason: String,
    note: String,
    created_at: Timestamp,
    resolved: bool,
    reporter_id: UserId,
    reporter_username: String,
    reporter_display_name: String,
    reporter_avatar_key: Option<String>,
    account_id: UserId,
    account_username: String,
    account_display_name: String,
    account_avatar_key: Option<String>,
    account_suspended: bool,
    post_id: Option<PostId>,
    body: Option<String>,
}

impl ReportRow {
    fn into_report(self, urls: &dyn MediaUrls) -> ApiResult<Report> {
        let unknown = |what: &str, stored: &str| {
            ApiError::Internal(anyhow::anyhow!("unknown stored {what} {stored:?}"))
        };
        let kind = TargetKind::parse(&self.target_kind)
            .ok_or_else(|| unknown("target kind", &self.target_kind))?;
        let reason =
            ReportReason::parse(&self.reason).ok_or_else(|| unknown("reason", &self.reason))?;
        Ok(Report {
            id: self.id,
            reporter: ShortUser::new(
                self.reporter_id,
                self.reporter_username,
                self.reporter_display_name,
                self.reporter_avatar_key.as_deref(),
                urls,
            ),
            target: ReportTarget {
                kind,
                id: self.target_id,
                account: ShortUser::new(
                    self.account_id,
                    self.account_username,
                    self.account_display_name,
                    self.account_avatar_key.as_deref(),
                    urls,
                ),
                exists: kind == TargetKind::User || self.body.is_some(),
                post_id: self.post_id,
                excerpt: self.body.as_deref().map(excerpt),
                account_suspended: self.account_suspended,
            },
            reason,
            note: self.note,
            status: if self.resolved {
                ReportStatus::Resolved
            } else {
                ReportStatus::Open
            },
            created_at: self.created_at,
        })
    }
}

/// The columns of a `ReportRow`: the report `r`, its reporter and the
/// account reported, and what is left of the content (primary-key probes).
macro_rules! report_select {
    () => {
        "SELECT r.id, r.target_kind, r.target_id, r.reason, r.note, r.created_at,
                r.resolved_at IS NOT NULL AS resolved,
                rp.id AS reporter_id, rp.username AS reporter_username,
                rp.display_name AS reporter_display_name, rp.avatar_key AS reporter_avatar_key,
                a.id AS account_id, a.username AS account_username,
                a.display_name AS account_display_name, a.avatar_key AS account_avatar_key,
                a.suspended_at IS NOT NULL AS account_suspended,
                CASE r.target_kind
                    WHEN 'post' THEN (SELECT p.id FROM posts p WHERE p.id = r.target_id)
                    WHEN 'comment' THEN (SELECT c.post_id FROM comments c WHERE c.id = r.target_id)
                END AS post_id,
                CASE r.target_kind
                    WHEN 'post' THEN (SELECT p.caption FROM posts p WHERE p.id = r.target_id)
                    WHEN 'comment' THEN (SELECT c.body FROM comments c WHERE c.id = r.target_id)
                END AS body
         FROM reports r
         JOIN users rp ON rp.id = r.reporter_id
         JOIN users a ON a.id = r.account_id"
    };
}

/// One report by id.
pub async fn report(db: &Db, urls: &dyn MediaUrls, id: ReportId) -> ApiResult<Option<Report>> {
    let row: Option<ReportRow> = with_db!(db, pool, {
        sqlx::query_as(concat!(report_select!(), " WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await?
    });
    row.map(|row| row.into_report(urls)).transpose()
}

/// The open reports, oldest first (a queue: the longest waiting on top).
/// Served by the partial index reports_open (id).
pub async fn open_reports(
    db: &Db,
    urls: &dyn MediaUrls,
    page: &PageRequest,
) -> ApiResult<Page<Report>> {
    let after = page.after_or_start();
    let rows: Vec<ReportRow> = with_db!(db, pool, {
        sqlx::query_as(concat!(
            report_select!(),
            " WHERE r.resolved_at IS NULL AND r.id > $1 ORDER BY r.id LIMIT $2"
        ))
        .bind(after.id)
        .bind(page.fetch_limit())
        .fetch_all(pool)
        .await?
    });
    let reports = rows
        .into_iter()
        .map(|row| row.into_report(urls))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Page::from_rows(reports, page, |report| Cursor {
        at: report.created_at,
        id: report.id.0,
    }))
}

/// What resolving a report left for the caller to finish after the commit.
#[derive(Default)]
pub struct Resolved {
    /// Files of a removed post, to delete.
    pub files: Vec<String>,
    /// A suspended account and its revoked sessions, to end live.
    pub suspended: Option<(UserId, Vec<SessionId>)>,
}

/// `moderator` resolves report `id`: the action's effect, the closing of
/// every open report on the same target and the log row, in one
/// transaction.
pub async fn resolve(
    db: &Db,
    moderator: UserId,
    id: ReportId,
    resolution: Resolution,
    reason: &str,
) -> ApiResult<Resolved> {
    Ok(with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        let found: Option<(String, i64, UserId, bool)> = sqlx::query_as(
            "SELECT target_kind, target_id, account_id, resolved_at IS NOT NULL
             FROM reports WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((kind, target_id, account, resolved)) = found else {
            return Err(ApiError::not_found("report"));
        };
        if resolved {
            return Err(ApiError::conflict(
                "already_resolved",
                "this report was already resolved",
            ));
        }
        let kind = TargetKind::parse(&kind)
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("unknown stored kind {kind:?}")))?;
        let target = Target {
            kind,
            id: target_id,
        };
        let mut done = Resolved::default();
        match resolution {
            Resolution::Dismiss => {}
            Resolution::RemoveContent => {
                let gone = || {
                    ApiError::conflict(
                        "content_gone",
                        "the reported content no longer exists; dismiss the report instead",
                    )
                };
                match kind {
                    TargetKind::Post => {
                        let post = PostId(target_id);
                        let author: Option<UserId> =
                            sqlx::query_scalar("SELECT author_id FROM posts WHERE id = $1")
                                .bind(post)
                                .fetch_optional(&mut *tx)
                                .await?;
                        let author = author.ok_or_else(gone)?;
                        done.files = remove_post!(tx, post, author).await?;
                    }
                    TargetKind::Comment => {
                        let comment = crate::domain::ids::CommentId(target_id);
                        let post: Option<PostId> =
                            sqlx::query_scalar("SELECT post_id FROM comments WHERE id = $1")
                                .bind(comment)
                                .fetch_optional(&mut *tx)
                                .await?;
                        let post = post.ok_or_else(gone)?;
                        remove_comment!(tx, comment, post).await?;
                    }
                    TargetKind::User => {
                        return Err(ApiError::bad_request(
                            "invalid_action",
                            "an account cannot be removed; suspend it instead",
                        ))
                    }
                }
            }
            Resolution::SuspendAccount => {
                let stored: String = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
                    .bind(account)
                    .fetch_one(&mut *tx)
                    .await?;
                if role(&stored)?.moderates() {
                    return Err(staff_refusal());
                }
                let revoked = suspend_in!(tx, account).await?.unwrap_or_default();
                done.suspended = Some((account, revoked));
            }
        }
        close_reports!(tx, target).await?;
        log_action!(
            tx,
            moderator,
            Action::from(resolution),
            target,
            account,
            Some(id),
            reason
        )
        .await?;
        tx.commit().await?;
        done
    }))
}

#[derive(sqlx::FromRow)]
struct ActionRow {
    id: crate::domain::ids::ActionId,
    action: String,
    target_kind: String,
    target_id: i64,
    report_id: Option<ReportId>,
    reason: String,
    created_at: Timestamp,
    moderator_id: UserId,
    moderator_username: String,
    moderator_display_name: String,
    moderator_avatar_key: Option<String>,
    account_id: UserId,
    account_username: String,
    account_display_name: String,
    account_avatar_key: Option<String>,
}

impl ActionRow {
    fn into_action(self, urls: &dyn MediaUrls) -> ApiResult<ModerationAction> {
        let unknown = |what: &str, stored: &str| {
            ApiError::Internal(anyhow::anyhow!("unknown stored {what} {stored:?}"))
        };
        Ok(ModerationAction {
            id: self.id,
            action: Action::parse(&self.action).ok_or_else(|| unknown("action", &self.action))?,
            moderator: ShortUser::new(
                self.moderator_id,
                self.moderator_username,
                self.moderator_display_name,
                self.moderator_avatar_key.as_deref(),
                urls,
            ),
            target: ActionTarget {
                kind: TargetKind::parse(&self.target_kind)
                    .ok_or_else(|| unknown("target kind", &self.target_kind))?,
                id: self.target_id,
            },
            account: ShortUser::new(
                self.account_id,
                self.account_username,
                self.account_display_name,
                self.account_avatar_key.as_deref(),
                urls,
            ),
            report_id: self.report_id,
            reason: self.reason,
            created_at: self.created_at,
        })
    }
}

/// The moderation log, newest first; ids only grow, so the primary key
/// alone orders and pages it.
pub async fn actions(
    db: &Db,
    urls: &dyn MediaUrls,
    page: &PageRequest,
) -> ApiResult<Page<ModerationAction>> {
    let before = page.before();
    let rows: Vec<ActionRow> = with_db!(db, pool, {
        sqlx::query_as(
            "SELECT m.id, m.action, m.target_kind, m.target_id, m.report_id, m.reason, m.created_at,
                    mo.id AS moderator_id, mo.username AS moderator_username,
                    mo.display_name AS moderator_display_name, mo.avatar_key AS moderator_avatar_key,
                    a.id AS account_id, a.username AS account_username,
                    a.display_name AS account_display_name, a.avatar_key AS account_avatar_key
             FROM moderation_actions m
             JOIN users mo ON mo.id = m.moderator_id
             JOIN users a ON a.id = m.account_id
             WHERE m.id < $1 ORDER BY m.id DESC LIMIT $2",
        )
        .bind(before.id)
        .bind(page.fetch_limit())
        .fetch_all(pool)
        .await?
    });
    let actions = rows
        .into_iter()
        .map(|row| row.into_action(urls))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Page::from_rows(actions, page, |action| Cursor {
        at: action.created_at,
        id: action.id.0,
    }))
}
