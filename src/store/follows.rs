//! The follow graph: following, unfollowing and both sides' lists.

use crate::domain::error::{ApiError, ApiResult};
use crate::domain::ids::{NotificationId, UserId};
use crate::domain::pagination::{Cursor, Page, PageRequest};
use crate::domain::NotificationKind;
use crate::domain::{MediaUrls, ShortUser, Timestamp};
use crate::store::notifications::insert_notification;
use crate::store::visibility::{may_read, may_see};
use crate::store::{with_db, BeginWrite, Db};

/// Moves both counters of the follow `$follower` → `$followee` by `$delta`
/// in the caller's open transaction `$tx`; evaluates to a future of
/// `Result<_, sqlx::Error>`. Every change to `follows` goes with it, so the
/// counters stay exact.
macro_rules! count_follow {
    ($tx:expr, $follower:expr, $followee:expr, $delta:expr) => {
        async {
            let delta: i64 = $delta;
            sqlx::query("UPDATE users SET following_count = following_count + $2 WHERE id = $1")
                .bind($follower)
                .bind(delta)
                .execute(&mut *$tx)
                .await?;
            sqlx::query("UPDATE users SET followers_count = followers_count + $2 WHERE id = $1")
                .bind($followee)
                .bind(delta)
                .execute(&mut *$tx)
                .await
        }
    };
}
pub(crate) use count_follow;

/// Adds the follow `$follower` → `$followee` with both counters in the
/// caller's open transaction `$tx`; evaluates to a future of
/// `Result<bool, sqlx::Error>`, whether the follow is new.
macro_rules! start_follow {
    ($tx:expr, $follower:expr, $followee:expr) => {
        async {
            let (follower, followee) = ($follower, $followee);
            let inserted = sqlx::query(
                "INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
            )
            .bind(follower)
            .bind(followee)
            .bind($crate::domain::Timestamp::now())
            .execute(&mut *$tx)
            .await?
            .rows_affected()
                == 1;
            if inserted {
                $crate::store::follows::count_follow!($tx, follower, followee, 1).await?;
            }
            Ok::<_, sqlx::Error>(inserted)
        }
    };
}
pub(crate) use start_follow;

/// Reads whether account `$1` is private inside a write transaction. On
/// PostgreSQL the row is locked to the commit, so that a switch of privacy
/// waits for a follow that read the old value (and the other way round).
/// `FOR NO KEY UPDATE` is the lock the follow's own counter update takes
/// anyway, only earlier: not `FOR SHARE`, which two followers would both
/// hold and then deadlock upgrading, and not `FOR UPDATE`, which would also
/// wait for every foreign-key check on the account (a like notifying it).
/// SQLite's writers are serialised anyway.
pub(crate) fn privacy_query(db: &Db) -> &'static str {
    match db {
        Db::Postgres(_) => "SELECT is_private FROM users WHERE id = $1 FOR NO KEY UPDATE",
        Db::Sqlite(_) => "SELECT is_private FROM users WHERE id = $1",
    }
}

/// `follower` follows `followee` (idempotent) with both counters and, the
/// first time ever, a `follow` notification; when `followee` is private
/// (and not yet followed) it asks instead: a pending follow request with,
/// the first time ever, a `follow_request` notification. Returns the new
/// notification's id.
pub async fn follow(db: &Db, follower: UserId, followee: UserId) -> ApiResult<Vec<NotificationId>> {
    let privacy = privacy_query(db);
    Ok(with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        let private: Option<bool> = sqlx::query_scalar(privacy)
            .bind(followee)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(private) = private else {
            return Err(ApiError::not_found("user"));
        };
        let kind = if private {
            NotificationKind::FollowRequest
        } else {
            NotificationKind::Follow
        };
        let new = if private {
            sqlx::query(
                "INSERT INTO follow_requests (requester_id, target_id, created_at)
                 SELECT $1, $2, $3
                 WHERE NOT EXISTS (SELECT 1 FROM follows
                                   WHERE follower_id = $1 AND followee_id = $2)
                 ON CONFLICT DO NOTHING",
            )
            .bind(follower)
            .bind(followee)
            .bind(Timestamp::now())
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1
        } else {
            start_follow!(tx, follower, followee).await?
        };
        let mut notified = Vec::new();
        if new {
            let id = insert_notification!(tx, followee, follower, kind, None::<i64>, None::<i64>)
                .await?;
            notified.extend(id);
        }
        tx.commit().await?;
        notified
    }))
}

/// Ends a follow (idempotent), with both counters, and cancels a pending
/// request of `follower` to follow `followee`. Like the follow's, the
/// request's notification stays: each notifies once, ever.
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
            count_follow!(tx, follower, followee, -1).await?;
        }
        sqlx::query("DELETE FROM follow_requests WHERE requester_id = $1 AND target_id = $2")
            .bind(follower)
            .bind(followee)
            .execute(&mut *tx)
            .await?;
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

/// Whether `$5` (the viewer, or NULL) follows the listed `u`: a probe of
/// the follows primary key per row.
macro_rules! followed_by_viewer {
    () => {
        "EXISTS (SELECT 1 FROM follows v WHERE v.follower_id = $5 AND v.followee_id = u.id)
         AS followed_by_me"
    };
}

/// Who follows `user`, most recent first, as `viewer` may see them and each
/// with whether `viewer` follows them; empty unless `viewer` may read
/// `user` (a private account's lists are for its approved followers). Served by follows_followers
/// (followee_id, created_at DESC, follower_id DESC).
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
        user,
        viewer,
        page,
        concat!(
            "SELECT u.id, u.username, u.display_name, u.avatar_key, f.created_at AS listed_at, ",
            followed_by_viewer!(),
            " FROM follows f JOIN users u ON u.id = f.follower_id
              WHERE f.followee_id = $1 AND (f.created_at, f.follower_id) < ($2, $3) AND ",
            may_read!("$5", "$1"),
            " AND ",
            may_see!("$5", "u.id"),
            " ORDER BY f.created_at DESC, f.follower_id DESC
              LIMIT $4"
        ),
    )
    .await
}

/// Whom `user` follows, most recent first, as `viewer` may see them and
/// each with whether `viewer` follows them; empty unless `viewer` may read
/// `user`. Served by follows_following
/// (follower_id, created_at DESC, followee_id DESC).
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
        user,
        viewer,
        page,
        concat!(
            "SELECT u.id, u.username, u.display_name, u.avatar_key, f.created_at AS listed_at, ",
            followed_by_viewer!(),
            " FROM follows f JOIN users u ON u.id = f.followee_id
              WHERE f.follower_id = $1 AND (f.created_at, f.followee_id) < ($2, $3) AND ",
            may_read!("$5", "$1"),
            " AND ",
            may_see!("$5", "u.id"),
            " ORDER BY f.created_at DESC, f.followee_id DESC
              LIMIT $4"
        ),
    )
    .await
}

/// How far suggestions look, so that their cost is bounded whatever the
/// caller follows: the caller's newest followees, the newest followees of
/// each of those, and the top of the most-followed list.
const SUGGEST_FOLLOWEES: i64 = 100;
const SUGGEST_PER_FOLLOWEE: i64 = 50;
const SUGGEST_POPULAR: i64 = 200;

/// Candidates for `$1` (the caller): the followees (`$3` newest) of their
/// followees (`$2` newest), each with how many of the caller's followees
/// follow them, and the `$4` most followed accounts with a count of 0.
/// PostgreSQL takes each followee's newest follows with a `LATERAL` join,
/// SQLite with a correlated `IN` list of rowids; both are ranges of
/// follows_following that stop after the limit.
const SUGGEST_POSTGRES: &str = "
    WITH mine AS (
        SELECT followee_id FROM follows WHERE follower_id = $1
        ORDER BY created_at DESC, followee_id DESC LIMIT $2
    ), candidates AS (
        SELECT theirs.followee_id AS id, COUNT(*) AS mutual
        FROM mine CROSS JOIN LATERAL (
            SELECT followee_id FROM follows WHERE follower_id = mine.followee_id
            ORDER BY created_at DESC, followee_id DESC LIMIT $3
        ) theirs
        GROUP BY theirs.followee_id
        UNION ALL
        SELECT id, 0 FROM (
            SELECT id FROM users ORDER BY followers_count DESC, id LIMIT $4
        ) popular
    )";
const SUGGEST_SQLITE: &str = "
    WITH mine AS (
        SELECT followee_id FROM follows WHERE follower_id = $1
        ORDER BY created_at DESC, followee_id DESC LIMIT $2
    ), candidates AS (
        SELECT theirs.followee_id AS id, COUNT(*) AS mutual
        FROM mine JOIN follows theirs ON theirs.rowid IN (
            SELECT rowid FROM follows WHERE follower_id = mine.followee_id
            ORDER BY created_at DESC, followee_id DESC LIMIT $3
        )
        GROUP BY theirs.followee_id
        UNION ALL
        SELECT id, 0 FROM (
            SELECT id FROM users ORDER BY followers_count DESC, id LIMIT $4
        ) popular
    )";

/// The ranking, shared by both dialects: most followed by the caller's
/// followees first, then most followed overall; never the caller, never
/// someone the caller follows or may not see (primary-key probes each).
/// `$5` is how many.
const SUGGEST_RANKED: &str = concat!(
    "SELECT u.id, u.username, u.display_name, u.avatar_key
     FROM (SELECT id, MAX(mutual) AS mutual FROM candidates GROUP BY id) c
     JOIN users u ON u.id = c.id
     WHERE c.id <> $1 AND NOT EXISTS (
         SELECT 1 FROM follows f WHERE f.follower_id = $1 AND f.followee_id = c.id
     ) AND ",
    may_see!("$1", "c.id"),
    " ORDER BY c.mutual DESC, u.followers_count DESC, u.id
     LIMIT $5"
);

/// Accounts `user` may want to follow, at most `limit` of them: people
/// followed by the people they follow (those followed by more of them
/// first), then popular accounts, which is all a brand-new account gets.
/// The cost is bounded by the `SUGGEST_*` constants: at most
/// 100 + 100 × 50 + 200 index entries and one probe per candidate.
pub async fn suggestions(
    db: &Db,
    urls: &dyn MediaUrls,
    user: UserId,
    limit: u32,
) -> ApiResult<Vec<ShortUser>> {
    let candidates = match db {
        Db::Postgres(_) => SUGGEST_POSTGRES,
        Db::Sqlite(_) => SUGGEST_SQLITE,
    };
    let sql = format!("{candidates} {SUGGEST_RANKED}");
    let rows: Vec<(UserId, String, String, Option<String>)> = with_db!(db, pool, {
        sqlx::query_as(&sql)
            .bind(user)
            .bind(SUGGEST_FOLLOWEES)
            .bind(SUGGEST_PER_FOLLOWEE)
            .bind(SUGGEST_POPULAR)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
    });
    Ok(rows
        .into_iter()
        .map(|(id, username, display_name, avatar_key)| {
            ShortUser::new(id, username, display_name, avatar_key.as_deref(), urls)
                .followed_by_me(Some(false))
        })
        .collect())
}

/// A person in a list of people, with the time that orders the list and
/// whether the viewer follows them.
#[derive(sqlx::FromRow)]
pub(crate) struct ListedUser {
    id: UserId,
    username: String,
    display_name: String,
    avatar_key: Option<String>,
    listed_at: Timestamp,
    followed_by_me: bool,
}

/// One page of either side of the graph; `sql` takes the user, the
/// cursor's time and id, the row limit and the viewer.
async fn follow_page(
    db: &Db,
    urls: &dyn MediaUrls,
    user: UserId,
    viewer: Option<UserId>,
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
    Ok(listed_users(rows, page, urls, viewer))
}

/// A page of listed people, keyed by when they were listed; `viewer`
/// decides whether `followed_by_me` is shown.
pub(crate) fn listed_users(
    rows: Vec<ListedUser>,
    page: &PageRequest,
    urls: &dyn MediaUrls,
    viewer: Option<UserId>,
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
        .followed_by_me(viewer.map(|_| row.followed_by_me))
    })
}
