//! Notifications: stored inside the transaction of the action that causes
//! them, delivered live once that transaction has committed.
//!
//! Every place that creates a notification uses [`insert_notification!`]
//! inside its transaction (a like on PostgreSQL does the same insert inside
//! its single statement) and then calls [`publish`] with the new ids after
//! the commit; `publish` is the single seam to the real-time hub, so a
//! client never hears of something that was rolled back.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::error::ApiResult;
use crate::domain::ids::{CommentId, NotificationId, PostId, UserId};
use crate::domain::{MediaUrls, ShortUser, Timestamp};
use crate::state::AppState;
use crate::store::with_db;
use crate::store::{placeholders, Db};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum NotificationKind {
    Like,
    Comment,
    Follow,
    Mention,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Like => "like",
            Self::Comment => "comment",
            Self::Follow => "follow",
            Self::Mention => "mention",
        }
    }

    fn from_db(text: &str) -> Option<Self> {
        Some(match text {
            "like" => Self::Like,
            "comment" => Self::Comment,
            "follow" => Self::Follow,
            "mention" => Self::Mention,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Notification {
    pub id: NotificationId,
    pub kind: NotificationKind,
    pub actor: ShortUser,
    pub post_id: Option<PostId>,
    pub comment_id: Option<CommentId>,
    pub created_at: Timestamp,
    pub read: bool,
    /// The thumbnail of the post concerned, for display next to the text.
    pub post_thumbnail_url: Option<String>,
}

/// Stores a notification in the caller's open transaction `$tx` and
/// evaluates to `Option<NotificationId>`: `None` when it would repeat a like
/// or follow notification that already exists.
///
/// Arguments: `$tx, recipient: UserId, actor: UserId, kind: NotificationKind,
/// post: Option<PostId>, comment: Option<CommentId>`. Nobody is notified of
/// their own actions: callers skip `recipient == actor`.
macro_rules! insert_notification {
    ($tx:expr, $recipient:expr, $actor:expr, $kind:expr, $post:expr, $comment:expr) => {
        sqlx::query_scalar::<_, $crate::domain::ids::NotificationId>(
            "INSERT INTO notifications (recipient_id, actor_id, kind, post_id, comment_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT DO NOTHING
             RETURNING id",
        )
        .bind($recipient)
        .bind($actor)
        .bind($kind.as_str())
        .bind($post)
        .bind($comment)
        .bind($crate::domain::Timestamp::now())
        .fetch_optional(&mut *$tx)
    };
}
pub(crate) use insert_notification;

#[derive(sqlx::FromRow)]
pub(crate) struct NotificationRow {
    id: NotificationId,
    pub(crate) recipient_id: UserId,
    kind: String,
    post_id: Option<PostId>,
    comment_id: Option<CommentId>,
    created_at: Timestamp,
    read: bool,
    actor_id: UserId,
    actor_username: String,
    actor_display_name: String,
    actor_avatar_key: Option<String>,
    post_thumb_key: Option<String>,
}

impl NotificationRow {
    pub(crate) fn into_notification(self, urls: &dyn MediaUrls) -> Option<Notification> {
        Some(Notification {
            id: self.id,
            kind: NotificationKind::from_db(&self.kind)?,
            actor: ShortUser::new(
                self.actor_id,
                self.actor_username,
                self.actor_display_name,
                self.actor_avatar_key.as_deref(),
                urls,
            ),
            post_id: self.post_id,
            comment_id: self.comment_id,
            created_at: self.created_at,
            read: self.read,
            post_thumbnail_url: self.post_thumb_key.as_deref().map(|key| urls.url(key)),
        })
    }
}

/// The columns of a `NotificationRow`, from `notifications n` joined to its actor `a`.
macro_rules! notification_select {
    () => {
        "SELECT n.id, n.recipient_id, n.kind, n.post_id, n.comment_id, n.created_at, n.read,
                a.id AS actor_id, a.username AS actor_username,
                a.display_name AS actor_display_name, a.avatar_key AS actor_avatar_key,
                (SELECT m.thumb_key FROM media m
                 WHERE m.post_id = n.post_id AND m.position = 0) AS post_thumb_key
         FROM notifications n JOIN users a ON a.id = n.actor_id"
    };
}
pub(crate) use notification_select;

/// Loads notifications by id, in id order.
pub(crate) async fn load(db: &Db, ids: &[NotificationId]) -> ApiResult<Vec<NotificationRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{} WHERE n.id IN ({}) ORDER BY n.id",
        notification_select!(),
        placeholders(1, ids.len())
    );
    Ok(with_db!(db, pool, {
        let mut query = sqlx::query_as::<_, NotificationRow>(&sql);
        for id in ids {
            query = query.bind(*id);
        }
        query.fetch_all(pool).await?
    }))
}

/// Delivers notifications that have just been committed to every live
/// session of their recipients. Never fails the request that caused them:
/// the notifications are stored, and a client that misses the live event
/// catches up with `since` or over REST.
pub async fn publish(state: &AppState, ids: Vec<NotificationId>) {
    if ids.is_empty() {
        return;
    }
    match load(&state.db, &ids).await {
        Ok(rows) => {
            for row in rows {
                let recipient = row.recipient_id;
                if let Some(notification) = row.into_notification(state.urls()) {
                    state.hub.send_notification(recipient, &notification);
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not load notifications for live delivery"),
    }
}
