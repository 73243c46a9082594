//! Stored notifications: written inside the transaction of the action that
//! causes them, read by id, by page, and by `seq` range.
//!
//! Every place that creates a notification uses [`insert_notification!`]
//! inside its transaction (a like on PostgreSQL does the same inside its
//! single statement) and hands the new ids, after the commit, to
//! `services::notifications::publish`, so a client never hears of
//! something that was rolled back.
//!
//! Each recipient's notifications are numbered by `seq` in commit order:
//! the insert first bumps the recipient's row in `notification_streams`,
//! whose lock (held to the commit) makes that recipient's writers commit
//! one after the other. Live sockets deliver in `seq` order and clients
//! reconnect with the last `seq` they saw (see `live`).

use crate::domain::error::ApiResult;
use crate::domain::ids::{CommentId, NotificationId, PostId, UserId};
use crate::domain::notification::{excerpt, Notification, NotificationKind};
use crate::domain::pagination::{Cursor, Page, PageRequest};
use crate::domain::{MediaUrls, ShortUser, Timestamp};
use crate::store::visibility::{may_read, may_see};
use crate::store::{placeholders, with_db, Db};

/// Stores a notification in the caller's open transaction `$tx` and
/// evaluates to a future of `Result<Option<NotificationId>, sqlx::Error>`:
/// `None` when it would repeat a like or follow notification that already
/// exists.
///
/// Arguments: `$tx, recipient: UserId, actor: UserId, kind: NotificationKind,
/// post: Option<PostId>, comment: Option<CommentId>`. Nobody is notified of
/// their own actions: callers skip `recipient == actor`.
///
/// The recipient's stream row stays locked until the transaction ends, so
/// a transaction that notifies several people must insert in recipient id
/// order: two of them taking the locks in opposite orders would deadlock.
macro_rules! insert_notification {
    ($tx:expr, $recipient:expr, $actor:expr, $kind:expr, $post:expr, $comment:expr) => {
        async {
            let (recipient, actor, kind, post, comment) =
                ($recipient, $actor, $kind, $post, $comment);
            let seq: Option<i64> = sqlx::query_scalar($crate::store::notifications::NEXT_SEQ)
                .bind(recipient)
                .bind(actor)
                .bind(kind.as_str())
                .bind(post)
                .fetch_optional(&mut *$tx)
                .await?;
            let Some(seq) = seq else {
                return Ok::<_, sqlx::Error>(None);
            };
            sqlx::query_scalar::<_, $crate::domain::ids::NotificationId>(
                "INSERT INTO notifications
                     (recipient_id, seq, actor_id, kind, post_id, comment_id, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT DO NOTHING
                 RETURNING id",
            )
            .bind(recipient)
            .bind(seq)
            .bind(actor)
            .bind(kind.as_str())
            .bind(post)
            .bind(comment)
            .bind($crate::domain::Timestamp::now())
            .fetch_optional(&mut *$tx)
            .await
        }
    };
}
pub(crate) use insert_notification;

/// The condition that recipient `$recipient` hears from actor `$actor` at
/// all: neither blocked the other, and the recipient has not muted the
/// actor with their notifications.
macro_rules! hears_from {
    ($recipient:literal, $actor:literal) => {
        concat!(
            $crate::store::visibility::may_see!($recipient, $actor),
            " AND NOT EXISTS (SELECT 1 FROM mutes sm WHERE sm.muter_id = ",
            $recipient,
            " AND sm.muted_id = ",
            $actor,
            " AND sm.notifications)"
        )
    };
}
pub(crate) use hears_from;

/// The kinds that notify once, ever, in the terms of the partial unique
/// index notifications_once, so that the index answers the probe.
macro_rules! once_kinds {
    () => {
        "('like', 'follow', 'follow_request', 'follow_accepted')"
    };
}
pub(crate) use once_kinds;

/// The condition that notification `n`'s recipient may read the post it is
/// about, if any (a mention in a private post reaches only who may read
/// it): probes of the posts primary key and of `may_read!`.
macro_rules! about_readable {
    ($recipient:literal, $post:literal) => {
        concat!(
            "(",
            $post,
            " IS NULL OR EXISTS (SELECT 1 FROM posts np WHERE np.id = ",
            $post,
            " AND ",
            may_read!($recipient, "np.author_id"),
            "))"
        )
    };
}

/// Draws the next `seq` of recipient `$1`, locking their stream row until the
/// commit; no row when the notification (`$2` actor, `$3` kind, `$4` post)
/// would repeat a like or follow, so that the usual repeat leaves no hole,
/// and none when the recipient does not hear from the actor (a block, a
/// mute of notifications) or may not read the post it is about (a mention
/// in a private post): then nothing is stored.
/// (Two such repeats racing each other still can: the insert then does
/// nothing, which readers of the stream allow for.)
pub(crate) const NEXT_SEQ: &str = concat!(
    "INSERT INTO notification_streams (user_id, last_seq)
     SELECT $1, 1
     WHERE NOT EXISTS (
         SELECT 1 FROM notifications
         WHERE recipient_id = $1 AND actor_id = $2 AND kind = $3
           AND kind IN ",
    once_kinds!(),
    " AND COALESCE(post_id, 0) = COALESCE($4, 0)
     ) AND ",
    hears_from!("$1", "$2"),
    " AND ",
    about_readable!("$1", "$4"),
    " ON CONFLICT (user_id) DO UPDATE SET last_seq = notification_streams.last_seq + 1
     RETURNING last_seq"
);

/// The last `seq` handed out to `user` (0 before their first notification).
pub async fn latest_seq(db: &Db, user: UserId) -> ApiResult<i64> {
    let latest: Option<i64> = with_db!(db, pool, {
        sqlx::query_scalar("SELECT last_seq FROM notification_streams WHERE user_id = $1")
            .bind(user)
            .fetch_optional(pool)
            .await?
    });
    Ok(latest.unwrap_or(0))
}

/// The last `seq` of each of `users` that has had a notification, by the
/// primary key of `notification_streams`; one statement for the whole batch.
pub async fn latest_seqs(db: &Db, users: &[UserId]) -> ApiResult<Vec<(UserId, i64)>> {
    let ids: Vec<i64> = users.iter().map(|user| user.0).collect();
    Ok(match db {
        Db::Postgres(pool) => {
            sqlx::query_as(
                "SELECT user_id, last_seq FROM notification_streams WHERE user_id = ANY($1)",
            )
            .bind(ids)
            .fetch_all(pool)
            .await?
        }
        // No arrays in SQLite: the ids travel as one JSON array.
        Db::Sqlite(pool) => {
            sqlx::query_as(
                "SELECT user_id, last_seq FROM notification_streams
                 WHERE user_id IN (SELECT value FROM json_each($1))",
            )
            .bind(serde_json::Value::from(ids).to_string())
            .fetch_all(pool)
            .await?
        }
    })
}

#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: NotificationId,
    seq: i64,
    recipient_id: UserId,
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
    comment_body: Option<String>,
    actor_followed: bool,
}

impl NotificationRow {
    /// `None` for a kind this build does not know (a newer server wrote it).
    fn into_notification(self, urls: &dyn MediaUrls) -> Option<Notification> {
        Some(Notification {
            id: self.id,
            seq: self.seq,
            kind: NotificationKind::parse(&self.kind)?,
            actor: ShortUser::new(
                self.actor_id,
                self.actor_username,
                self.actor_display_name,
                self.actor_avatar_key.as_deref(),
                urls,
            )
            .followed_by_me(Some(self.actor_followed)),
            post_id: self.post_id,
            comment_id: self.comment_id,
            comment_excerpt: self.comment_body.as_deref().map(excerpt),
            created_at: self.created_at,
            read: self.read,
            post_thumbnail_url: self.post_thumb_key.as_deref().map(|key| urls.url(key)),
        })
    }
}

/// The columns of a `NotificationRow`, from `notifications n` joined to its actor `a`.
macro_rules! notification_select {
    () => {
        "SELECT n.id, n.seq, n.recipient_id, n.kind, n.post_id, n.comment_id, n.created_at, n.read,
                a.id AS actor_id, a.username AS actor_username,
                a.display_name AS actor_display_name, a.avatar_key AS actor_avatar_key,
                (SELECT m.thumb_key FROM media m
                 WHERE m.post_id = n.post_id AND m.position = 0) AS post_thumb_key,
                (SELECT c.body FROM comments c WHERE c.id = n.comment_id) AS comment_body,
                EXISTS (SELECT 1 FROM follows v
                        WHERE v.follower_id = n.recipient_id AND v.followee_id = n.actor_id)
                    AS actor_followed
         FROM notifications n JOIN users a ON a.id = n.actor_id"
    };
}

/// The condition that stored notification `n` is shown to its recipient:
/// they may see its actor and read the post it is about, as they stand now.
macro_rules! shown {
    () => {
        concat!(
            may_see!("n.recipient_id", "n.actor_id"),
            " AND ",
            about_readable!("n.recipient_id", "n.post_id")
        )
    };
}

/// Loads notifications by id, each with its recipient, in id order.
pub async fn by_ids(
    db: &Db,
    urls: &dyn MediaUrls,
    ids: &[NotificationId],
) -> ApiResult<Vec<(UserId, Notification)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{} WHERE n.id IN ({}) AND {} ORDER BY n.id",
        notification_select!(),
        placeholders(1, ids.len()),
        shown!()
    );
    let rows: Vec<NotificationRow> = with_db!(db, pool, {
        let mut query = sqlx::query_as::<_, NotificationRow>(&sql);
        for id in ids {
            query = query.bind(*id);
        }
        query.fetch_all(pool).await?
    });
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let recipient = row.recipient_id;
            row.into_notification(urls).map(|n| (recipient, n))
        })
        .collect())
}

/// A page of `recipient`'s notifications, newest first. Ids only grow, so
/// the id alone orders them; served by notifications_recipient
/// (recipient_id, id).
pub async fn page(
    db: &Db,
    urls: &dyn MediaUrls,
    recipient: UserId,
    page: &PageRequest,
) -> ApiResult<Page<Notification>> {
    let before = page.before();
    let rows: Vec<NotificationRow> = with_db!(db, pool, {
        sqlx::query_as(concat!(
            notification_select!(),
            " WHERE n.recipient_id = $1 AND n.id < $2 AND ",
            shown!(),
            " ORDER BY n.id DESC LIMIT $3"
        ))
        .bind(recipient)
        .bind(before.id)
        .bind(page.fetch_limit())
        .fetch_all(pool)
        .await?
    });
    let notifications: Vec<Notification> = rows
        .into_iter()
        .filter_map(|row| row.into_notification(urls))
        .collect();
    Ok(Page::from_rows(notifications, page, |n| Cursor {
        at: n.created_at,
        id: n.id.0,
    }))
}

/// `recipient`'s notifications with `after < seq <= up_to`, in `seq` order,
/// at most `limit` of them. Served by the unique (recipient_id, seq) index.
pub async fn in_stream(
    db: &Db,
    urls: &dyn MediaUrls,
    recipient: UserId,
    after: i64,
    up_to: i64,
    limit: i64,
) -> ApiResult<Vec<Notification>> {
    let rows: Vec<NotificationRow> = with_db!(db, pool, {
        sqlx::query_as(concat!(
            notification_select!(),
            " WHERE n.recipient_id = $1 AND n.seq > $2 AND n.seq <= $3 AND ",
            shown!(),
            " ORDER BY n.seq LIMIT $4"
        ))
        .bind(recipient)
        .bind(after)
        .bind(up_to)
        .bind(limit)
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .filter_map(|row| row.into_notification(urls))
        .collect())
}

/// How many of `recipient`'s notifications are unread; served by the
/// partial index notifications_unread.
pub async fn unread_count(db: &Db, recipient: UserId) -> ApiResult<i64> {
    Ok(with_db!(db, pool, {
        sqlx::query_scalar(concat!(
            "SELECT COUNT(*) FROM notifications n WHERE n.recipient_id = $1 AND NOT n.read AND ",
            shown!()
        ))
        .bind(recipient)
        .fetch_one(pool)
        .await?
    }))
}

/// Marks `recipient`'s notifications up to id `up_to` read.
pub async fn mark_read(db: &Db, recipient: UserId, up_to: i64) -> ApiResult<()> {
    with_db!(db, pool, {
        sqlx::query(
            "UPDATE notifications SET read = TRUE WHERE recipient_id = $1 AND id <= $2 AND NOT read",
        )
        .bind(recipient)
        .bind(up_to)
        .execute(pool)
        .await
        .map(drop)?
    });
    Ok(())
}
