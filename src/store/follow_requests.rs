//! Private accounts and the requests to follow them: switching privacy,
//! listing, approving and rejecting requests. Making one is
//! `follows::follow` (it asks when the account is private) and cancelling
//! one is `follows::unfollow`.

use crate::domain::error::{ApiError, ApiResult};
use crate::domain::ids::{NotificationId, UserId};
use crate::domain::pagination::{Page, PageRequest};
use crate::domain::{MediaUrls, NotificationKind, ShortUser};
use crate::store::blocks::own_list;
use crate::store::follows::start_follow;
use crate::store::notifications::insert_notification;
use crate::store::{with_db, BeginWrite, Db};

/// Who asked to follow `user`, most recent first. Served by
/// follow_requests_listed (target_id, created_at DESC, requester_id DESC).
pub async fn pending(
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
        "SELECT u.id, u.username, u.display_name, u.avatar_key, r.created_at AS listed_at,
                EXISTS (SELECT 1 FROM follows v WHERE v.follower_id = $1 AND v.followee_id = u.id)
                AS followed_by_me
         FROM follow_requests r JOIN users u ON u.id = r.requester_id
         WHERE r.target_id = $1 AND (r.created_at, r.requester_id) < ($2, $3)
         ORDER BY r.created_at DESC, r.requester_id DESC
         LIMIT $4",
    )
    .await
}

/// Turns `requester`'s pending request to follow `$target` into a follow,
/// with both counters and the requester's `follow_accepted` notification,
/// in the caller's open transaction `$tx`; evaluates to a future of
/// `Result<Option<Option<NotificationId>>, sqlx::Error>`: `None` when there
/// was no such request.
macro_rules! accept {
    ($tx:expr, $requester:expr, $target:expr) => {
        async {
            let (requester, target) = ($requester, $target);
            let pending = sqlx::query(
                "DELETE FROM follow_requests WHERE requester_id = $1 AND target_id = $2",
            )
            .bind(requester)
            .bind(target)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
            if pending == 0 {
                return Ok::<_, sqlx::Error>(None);
            }
            start_follow!($tx, requester, target).await?;
            let id = insert_notification!(
                $tx,
                requester,
                target,
                NotificationKind::FollowAccepted,
                None::<i64>,
                None::<i64>
            )
            .await?;
            Ok(Some(id))
        }
    };
}

/// `user` approves `requester`'s request: one transaction makes the follow
/// with exact counters and tells the requester. 404 without such a request.
pub async fn approve(db: &Db, user: UserId, requester: UserId) -> ApiResult<Vec<NotificationId>> {
    Ok(with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        let Some(notified) = accept!(tx, requester, user).await? else {
            return Err(ApiError::not_found("follow request"));
        };
        tx.commit().await?;
        notified.into_iter().collect()
    }))
}

/// `user` rejects `requester`'s request (idempotent); the requester is not
/// told and may ask again.
pub async fn reject(db: &Db, user: UserId, requester: UserId) -> ApiResult<()> {
    with_db!(db, pool, {
        sqlx::query("DELETE FROM follow_requests WHERE requester_id = $1 AND target_id = $2")
            .bind(requester)
            .bind(user)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// Makes `user`'s account private or public (idempotent). Going private
/// keeps the followers, takes the account's posts out of its tags'
/// `post_count`; going public puts them back and approves every pending
/// request, as [`approve`] would one by one. Returns the notifications of
/// the approvals.
pub async fn set_private(db: &Db, user: UserId, private: bool) -> ApiResult<Vec<NotificationId>> {
    Ok(with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        let changed =
            sqlx::query("UPDATE users SET is_private = $2 WHERE id = $1 AND is_private <> $2")
                .bind(user)
                .bind(private)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
        let mut notified = Vec::new();
        if changed {
            // The author's tags, through posts_author_time and post_hashtags'
            // primary key: the cost grows with the author's posts only.
            sqlx::query(
                "UPDATE hashtags SET post_count = post_count + $2 * mine.posts
                 FROM (SELECT ph.hashtag_id, COUNT(*) AS posts
                       FROM posts p JOIN post_hashtags ph ON ph.post_id = p.id
                       WHERE p.author_id = $1
                       GROUP BY ph.hashtag_id) mine
                 WHERE hashtags.id = mine.hashtag_id",
            )
            .bind(user)
            .bind(if private { -1_i64 } else { 1 })
            .execute(&mut *tx)
            .await?;
        }
        if changed && !private {
            // In id order, as `insert_notification!` requires.
            let requesters: Vec<UserId> = sqlx::query_scalar(
                "SELECT requester_id FROM follow_requests WHERE target_id = $1
                 ORDER BY requester_id",
            )
            .bind(user)
            .fetch_all(&mut *tx)
            .await?;
            for requester in requesters {
                if let Some(id) = accept!(tx, requester, user).await? {
                    notified.extend(id);
                }
            }
        }
        tx.commit().await?;
        notified
    }))
}
