//! The follow graph: following, unfollowing and both sides' lists.

use crate::domain::error::ApiResult;
use crate::domain::ids::{NotificationId, UserId};
use crate::domain::pagination::{Cursor, Page, PageRequest};
use crate::domain::NotificationKind;
use crate::domain::{MediaUrls, ShortUser, Timestamp};
use crate::store::notifications::insert_notification;
use crate::store::{with_db, BeginWrite, Db};

/// Makes `follower` follow `followee` (idempotent) with both counters and,
/// the first time ever, a notification; returns the new notification's id.
pub async fn follow(db: &Db, follower: UserId, followee: UserId) -> ApiResult<Vec<NotificationId>> {
    Ok(with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(follower)
        .bind(followee)
        .bind(Timestamp::now())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let mut notified = Vec::new();
        if inserted == 1 {
            sqlx::query("UPDATE users SET following_count = following_count + 1 WHERE id = $1")
                .bind(follower)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE users SET followers_count = followers_count + 1 WHERE id = $1")
                .bind(followee)
                .execute(&mut *tx)
                .await?;
            let id = insert_notification!(
                tx,
                followee,
                follower,
                NotificationKind::Follow,
                None::<i64>,
                None::<i64>
            )
            .await?;
            notified.extend(id);
        }
        tx.commit().await?;
        notified
    }))
}

/// Ends a follow (idempotent), with both counters.
pub async fn unfollow(db: &Db, follower: UserId, followee: UserId) -> ApiResult<()> {
    with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        let removed =
            sqlx::query("DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2")
                .bind(follower)
                .bind(followee)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if removed == 1 {
            sqlx::query("UPDATE users SET following_count = following_count - 1 WHERE id = $1")
                .bind(follower)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE users SET followers_count = followers_count - 1 WHERE id = $1")
                .bind(followee)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    });
    Ok(())
}

/// Everyone who follows `user`: for live fan-out, served index-only by
/// `follows_followers`.
pub async fn follower_ids(db: &Db, user: UserId) -> ApiResult<Vec<UserId>> {
    Ok(with_db!(db, pool, {
        sqlx::query_scalar("SELECT follower_id FROM follows WHERE followee_id = $1")
            .bind(user)
            .fetch_all(pool)
            .await?
    }))
}

/// Who follows `user`, most recent first. Served by follows_followers
/// (followee_id, created_at DESC, follower_id DESC).
pub async fn followers(
    db: &Db,
    urls: &dyn MediaUrls,
    user: UserId,
    page: &PageRequest,
) -> ApiResult<Page<ShortUser>> {
    follow_page(
        db,
        urls,
        user,
        page,
        "SELECT u.id, u.username, u.display_name, u.avatar_key, f.created_at AS followed_at
         FROM follows f JOIN users u ON u.id = f.follower_id
         WHERE f.followee_id = $1 AND (f.created_at, f.follower_id) < ($2, $3)
         ORDER BY f.created_at DESC, f.follower_id DESC
         LIMIT $4",
    )
    .await
}

/// Whom `user` follows, most recent first. Served by follows_following
/// (follower_id, created_at DESC, followee_id DESC).
pub async fn following(
    db: &Db,
    urls: &dyn MediaUrls,
    user: UserId,
    page: &PageRequest,
) -> ApiResult<Page<ShortUser>> {
    follow_page(
        db,
        urls,
        user,
        page,
        "SELECT u.id, u.username, u.display_name, u.avatar_key, f.created_at AS followed_at
         FROM follows f JOIN users u ON u.id = f.followee_id
         WHERE f.follower_id = $1 AND (f.created_at, f.followee_id) < ($2, $3)
         ORDER BY f.created_at DESC, f.followee_id DESC
         LIMIT $4",
    )
    .await
}

#[derive(sqlx::FromRow)]
struct FollowRow {
    id: UserId,
    username: String,
    display_name: String,
    avatar_key: Option<String>,
    followed_at: Timestamp,
}

/// One page of either side of the graph; `sql` takes the user, the
/// cursor's time and id, and the row limit.
async fn follow_page(
    db: &Db,
    urls: &dyn MediaUrls,
    user: UserId,
    page: &PageRequest,
    sql: &'static str,
) -> ApiResult<Page<ShortUser>> {
    let before = page.before();
    let rows: Vec<FollowRow> = with_db!(db, pool, {
        sqlx::query_as(sql)
            .bind(user)
            .bind(before.at)
            .bind(before.id)
            .bind(page.fetch_limit())
            .fetch_all(pool)
            .await?
    });
    let cursor = |row: &FollowRow| Cursor {
        at: row.followed_at,
        id: row.id.0,
    };
    Ok(Page::from_rows(rows, page, cursor).map(|row| {
        ShortUser::new(
            row.id,
            row.username,
            row.display_name,
            row.avatar_key.as_deref(),
            urls,
        )
    }))
}
