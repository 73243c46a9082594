//! Blocks and mutes: one row each, and what a block takes away with it.
//!
//! What they hide is decided elsewhere, by the one rule in
//! `store::visibility` (blocks) and by the feed and fan-out queries (mutes).

use crate::domain::error::ApiResult;
use crate::domain::ids::UserId;
use crate::domain::pagination::{Page, PageRequest};
use crate::domain::{MediaUrls, ShortUser, Timestamp};
use crate::store::follows::{count_follow, listed_users, ListedUser};
use crate::store::{with_db, BeginWrite, Db};

/// `blocker` blocks `blocked` (idempotent). In the same transaction the
/// follows between them end, both ways, with exact counters, and so do
/// pending follow requests; unblocking later restores none of them.
pub async fn block(db: &Db, blocker: UserId, blocked: UserId) -> ApiResult<()> {
    with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        sqlx::query(
            "INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(blocker)
        .bind(blocked)
        .bind(Timestamp::now())
        .execute(&mut *tx)
        .await?;
        let ended: Vec<(UserId, UserId)> = sqlx::query_as(
            "DELETE FROM follows
             WHERE (follower_id = $1 AND followee_id = $2)
                OR (follower_id = $2 AND followee_id = $1)
             RETURNING follower_id, followee_id",
        )
        .bind(blocker)
        .bind(blocked)
        .fetch_all(&mut *tx)
        .await?;
        for (follower, followee) in ended {
            count_follow!(tx, follower, followee, -1).await?;
        }
        sqlx::query(
            "DELETE FROM follow_requests
             WHERE (requester_id = $1 AND target_id = $2)
                OR (requester_id = $2 AND target_id = $1)",
        )
        .bind(blocker)
        .bind(blocked)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    });
    Ok(())
}

/// Lifts a block (idempotent).
pub async fn unblock(db: &Db, blocker: UserId, blocked: UserId) -> ApiResult<()> {
    with_db!(db, pool, {
        sqlx::query("DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2")
            .bind(blocker)
            .bind(blocked)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// `muter` mutes `muted` (idempotent; muting again updates `notifications`,
/// whether the muted account's notifications are silenced too).
pub async fn mute(db: &Db, muter: UserId, muted: UserId, notifications: bool) -> ApiResult<()> {
    with_db!(db, pool, {
        sqlx::query(
            "INSERT INTO mutes (muter_id, muted_id, notifications, created_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (muter_id, muted_id) DO UPDATE SET notifications = excluded.notifications",
        )
        .bind(muter)
        .bind(muted)
        .bind(notifications)
        .bind(Timestamp::now())
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// Lifts a mute (idempotent).
pub async fn unmute(db: &Db, muter: UserId, muted: UserId) -> ApiResult<()> {
    with_db!(db, pool, {
        sqlx::query("DELETE FROM mutes WHERE muter_id = $1 AND muted_id = $2")
            .bind(muter)
            .bind(muted)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// Whom `user` blocked, most recent first. Served by blocks_listed.
pub async fn blocked_by(
    db: &Db,
    urls: &dyn MediaUrls,
    user: UserId,
    page: &PageRequest,
) -> ApiResult<Page<ShortUser>> {
    own_list(
        db,
        urls,
        user,
        page,
        "SELECT u.id, u.username, u.display_name, u.avatar_key, b.created_at AS listed_at,
                EXISTS (SELECT 1 FROM follows v WHERE v.follower_id = $1 AND v.followee_id = u.id)
                AS followed_by_me
         FROM blocks b JOIN users u ON u.id = b.blocked_id
         WHERE b.blocker_id = $1 AND (b.created_at, b.blocked_id) < ($2, $3)
         ORDER BY b.created_at DESC, b.blocked_id DESC
         LIMIT $4",
    )
    .await
}

/// Whom `user` muted, most recent first. Served by mutes_listed.
pub async fn muted_by(
    db: &Db,
    urls: &dyn MediaUrls,
    user: UserId,
    page: &PageRequest,
) -> ApiResult<Page<ShortUser>> {
    own_list(
        db,
        urls,
        user,
        page,
        "SELECT u.id, u.username, u.display_name, u.avatar_key, m.created_at AS listed_at,
                EXISTS (SELECT 1 FROM follows v WHERE v.follower_id = $1 AND v.followee_id = u.id)
                AS followed_by_me
         FROM mutes m JOIN users u ON u.id = m.muted_id
         WHERE m.muter_id = $1 AND (m.created_at, m.muted_id) < ($2, $3)
         ORDER BY m.created_at DESC, m.muted_id DESC
         LIMIT $4",
    )
    .await
}

/// One page of one of `user`'s own lists; `sql` takes the user, the
/// cursor's time and id, and the row limit.
pub(crate) async fn own_list(
    db: &Db,
    urls: &dyn MediaUrls,
    user: UserId,
    page: &PageRequest,
    sql: &'static str,
) -> ApiResult<Page<ShortUser>> {
    let before = page.before();
    let rows: Vec<ListedUser> = with_db!(db, pool, {
        sqlx::query_as(sql)
            .bind(user)
            .bind(before.at)
            .bind(before.id)
            .bind(page.fetch_limit())
            .fetch_all(pool)
            .await?
    });
    Ok(listed_users(rows, page, urls, Some(user)))
}
