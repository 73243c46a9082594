//! The follow graph: following, unfollowing and both sides' lists.

use crate::domain::error::ApiResult;
use crate::domain::ids::{NotificationId, UserId};
use crate::domain::pagination::{Cursor, Page, PageRequest};
use crate::domain::NotificationKind;
use crate::domain::{MediaUrls, ShortUser, Timestamp};
use crate::store::notifications::insert_notification;
use crate::store::visibility::may_see;
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

/// Everyone who follows `user` and has not muted them: for live fan-out,
/// served by `follows_followers` and the mutes' primary key.
pub async fn follower_ids(db: &Db, user: UserId) -> ApiResult<Vec<UserId>> {
    Ok(with_db!(db, pool, {
        sqlx::query_scalar(
            "SELECT f.follower_id FROM follows f
             WHERE f.followee_id = $1
               AND NOT EXISTS (SELECT 1 FROM mutes m
                               WHERE m.muter_id = f.follower_id AND m.muted_id = $1)",
        )
        .bind(user)
        .fetch_all(pool)
        .await?
    }))
}

/// Who follows `user`, most recent first, as `viewer` may see them. Served
/// by follows_followers (followee_id, created_at DESC, follower_id DESC).
pub async fn followers(
    db: &Db,
    urls: &dyn MediaUrls,
    user: UserId,
    viewer: Option<UserId>,
    page: &PageRequest,
) -> ApiResult<Page<ShortUser>> {
    follow_page(
        db,
        urls,
        (user, viewer),
        page,
        concat!(
            "SELECT u.id, u.username, u.display_name, u.avatar_key, f.created_at AS listed_at
             FROM follows f JOIN users u ON u.id = f.follower_id
             WHERE f.followee_id = $1 AND (f.created_at, f.follower_id) < ($2, $3)
               AND ",
            may_see!("$5", "u.id"),
            " ORDER BY f.created_at DESC, f.follower_id DESC
             LIMIT $4"
        ),
    )
    .await
}

/// Whom `user` follows, most recent first, as `viewer` may see them. Served
/// by follows_following (follower_id, created_at DESC, followee_id DESC).
pub async fn following(
    db: &Db,
    urls: &dyn MediaUrls,
    user: UserId,
    viewer: Option<UserId>,
    page: &PageRequest,
) -> ApiResult<Page<ShortUser>> {
    follow_page(
        db,
        urls,
        (user, viewer),
        page,
        concat!(
            "SELECT u.id, u.username, u.display_name, u.avatar_key, f.created_at AS listed_at
             FROM follows f JOIN users u ON u.id = f.followee_id
             WHERE f.follower_id = $1 AND (f.created_at, f.followee_id) < ($2, $3)
               AND ",
            may_see!("$5", "u.id"),
            " ORDER BY f.created_at DESC, f.followee_id DESC
             LIMIT $4"
        ),
    )
    .await
}

/// A person in a list of people, with the time that orders the list.
#[derive(sqlx::FromRow)]
pub(crate) struct ListedUser {
    id: UserId,
    username: String,
    display_name: String,
    avatar_key: Option<String>,
    listed_at: Timestamp,
}

/// One page of either side of the graph; `sql` takes the user, the
/// cursor's time and id, the row limit and the viewer.
async fn follow_page(
    db: &Db,
    urls: &dyn MediaUrls,
    (user, viewer): (UserId, Option<UserId>),
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
            .bind(viewer)
            .fetch_all(pool)
            .await?
    });
    Ok(listed_users(rows, page, urls))
}

/// A page of listed people, keyed by when they were listed.
pub(crate) fn listed_users(
    rows: Vec<ListedUser>,
    page: &PageRequest,
    urls: &dyn MediaUrls,
) -> Page<ShortUser> {
    let cursor = |row: &ListedUser| Cursor {
        at: row.listed_at,
        id: row.id.0,
    };
    Page::from_rows(rows, page, cursor).map(|row| {
        ShortUser::new(
            row.id,
            row.username,
            row.display_name,
            row.avatar_key.as_deref(),
            urls,
        )
    })
}
