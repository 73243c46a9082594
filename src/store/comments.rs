//! Comments: a post's thread, adding one with its notifications, deleting.

use std::collections::{BTreeMap, HashMap};

use crate::domain::comment::may_delete;
use crate::domain::error::{ApiError, ApiResult};
use crate::domain::ids::{CommentId, NotificationId, PostId, UserId};
use crate::domain::pagination::{Cursor, Page, PageRequest};
use crate::domain::post::RECENT_COMMENTS;
use crate::domain::NotificationKind;
use crate::domain::{Comment, MediaUrls, ShortUser, Timestamp};
use crate::store::notifications::insert_notification;
use crate::store::visibility::{may_read, may_see};
use crate::store::{placeholders, with_db, BeginWrite, Db};

#[derive(sqlx::FromRow)]
struct CommentRow {
    id: CommentId,
    post_id: PostId,
    body: String,
    created_at: Timestamp,
    author_id: UserId,
    author_username: String,
    author_display_name: String,
    author_avatar_key: Option<String>,
}

impl CommentRow {
    fn cursor(&self) -> Cursor {
        Cursor {
            at: self.created_at,
            id: self.id.0,
        }
    }

    fn into_comment(self, urls: &dyn MediaUrls) -> Comment {
        Comment {
            id: self.id,
            post_id: self.post_id,
            author: ShortUser::new(
                self.author_id,
                self.author_username,
                self.author_display_name,
                self.author_avatar_key.as_deref(),
                urls,
            ),
            body: self.body,
            created_at: self.created_at,
        }
    }
}

/// The columns of a `CommentRow` from `comments c JOIN users u`.
macro_rules! comment_columns {
    () => {
        "c.id, c.post_id, c.body, c.created_at,
         u.id AS author_id, u.username AS author_username,
         u.display_name AS author_display_name, u.avatar_key AS author_avatar_key"
    };
}

macro_rules! comment_select {
    () => {
        concat!(
            "SELECT ",
            comment_columns!(),
            " FROM comments c JOIN users u ON u.id = c.author_id"
        )
    };
}

/// A page of post `post`'s comments as `viewer` may see them, oldest
/// first; `None` when there is no such post or `viewer` may not see it.
/// Comments by someone the post's author blocked are hidden from everyone.
/// Served by comments_post (post_id, created_at, id).
pub async fn page(
    db: &Db,
    urls: &dyn MediaUrls,
    post: PostId,
    viewer: Option<UserId>,
    page: &PageRequest,
) -> ApiResult<Option<Page<Comment>>> {
    let after = page.after_or_start();
    let (exists, rows): (bool, Vec<CommentRow>) = with_db!(db, pool, {
        let exists: bool = sqlx::query_scalar(concat!(
            "SELECT EXISTS (SELECT 1 FROM posts p WHERE p.id = $1 AND ",
            may_read!("$2", "p.author_id"),
            ")"
        ))
        .bind(post)
        .bind(viewer)
        .fetch_one(pool)
        .await?;
        let rows = sqlx::query_as(concat!(
            comment_select!(),
            " JOIN posts p ON p.id = c.post_id
              WHERE c.post_id = $1 AND (c.created_at, c.id) > ($2, $3)
                AND ",
            may_see!("$5", "c.author_id"),
            " AND ",
            may_see!("p.author_id", "c.author_id"),
            " ORDER BY c.created_at, c.id LIMIT $4"
        ))
        .bind(post)
        .bind(after.at)
        .bind(after.id)
        .bind(page.fetch_limit())
        .bind(viewer)
        .fetch_all(pool)
        .await?;
        (exists, rows)
    });
    if !exists {
        return Ok(None);
    }
    Ok(Some(
        Page::from_rows(rows, page, CommentRow::cursor).map(|row| row.into_comment(urls)),
    ))
}

/// The newest comments of `posts` posts on PostgreSQL (public for the load
/// test's pgbench script): `$1` is how many per post, `$2` the viewer (or
/// NULL), then the post ids. Only comments the viewer may see count, and
/// none by someone the post's author blocked (or was blocked by).
/// Each post's share is one backwards range of comments_post
/// (post_id, created_at, id) that stops after the limit, through a
/// `LATERAL` join, so the cost is posts × limit however long a thread is.
pub fn recent_query_postgres(posts: usize) -> String {
    format!(
        concat!(
            "SELECT ",
            comment_columns!(),
            " FROM posts p
             CROSS JOIN LATERAL (
                 SELECT cm.id, cm.post_id, cm.author_id, cm.body, cm.created_at FROM comments cm
                 WHERE cm.post_id = p.id AND ",
            may_see!("$2", "cm.author_id"),
            " AND ",
            may_see!("p.author_id", "cm.author_id"),
            " ORDER BY cm.created_at DESC, cm.id DESC LIMIT $1
             ) c
             JOIN users u ON u.id = c.author_id
             WHERE p.id IN ({})
             ORDER BY c.post_id, c.created_at, c.id"
        ),
        placeholders(3, posts)
    )
}

/// The same on SQLite, which has no `LATERAL`: a correlated `IN` list per
/// post (its plan: the subquery searches the covering comments_post index
/// backwards and stops, then each comment is found by its primary key).
fn recent_query_sqlite(posts: usize) -> String {
    format!(
        concat!(
            "SELECT ",
            comment_columns!(),
            " FROM posts p
             JOIN comments c ON c.id IN (
                 SELECT n.id FROM comments n
                 WHERE n.post_id = p.id AND ",
            may_see!("$2", "n.author_id"),
            " AND ",
            may_see!("p.author_id", "n.author_id"),
            " ORDER BY n.created_at DESC, n.id DESC LIMIT $1
             )
             JOIN users u ON u.id = c.author_id
             WHERE p.id IN ({})
             ORDER BY c.post_id, c.created_at, c.id"
        ),
        placeholders(3, posts)
    )
}

/// The newest comments of each of `posts` (at most [`RECENT_COMMENTS`] per
/// post, newest last) that `viewer` may see, in one query for a whole page
/// of posts.
pub(crate) async fn recent(
    db: &Db,
    urls: &dyn MediaUrls,
    posts: &[PostId],
    viewer: Option<UserId>,
) -> ApiResult<HashMap<PostId, Vec<Comment>>> {
    if posts.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = match db {
        Db::Postgres(_) => recent_query_postgres(posts.len()),
        Db::Sqlite(_) => recent_query_sqlite(posts.len()),
    };
    let rows: Vec<CommentRow> = with_db!(db, pool, {
        let mut query = sqlx::query_as::<_, CommentRow>(&sql)
            .bind(RECENT_COMMENTS as i64)
            .bind(viewer);
        for id in posts {
            query = query.bind(*id);
        }
        query.fetch_all(pool).await?
    });
    let mut recent: HashMap<PostId, Vec<Comment>> = HashMap::new();
    for row in rows {
        recent
            .entry(row.post_id)
            .or_default()
            .push(row.into_comment(urls));
    }
    Ok(recent)
}

/// Writes `author`'s comment on `post` with the post's counter and the
/// notifications of the post's author and of those `mentioned`; returns the
/// comment and the new notifications.
pub async fn add(
    db: &Db,
    urls: &dyn MediaUrls,
    post: PostId,
    author: UserId,
    body: &str,
    mentioned: &[UserId],
) -> ApiResult<(Comment, Vec<NotificationId>)> {
    let now = Timestamp::now();
    let (comment_id, notified): (CommentId, Vec<NotificationId>) = with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        let post_author: Option<UserId> = sqlx::query_scalar(concat!(
            "SELECT author_id FROM posts WHERE id = $1 AND ",
            may_read!("$2", "posts.author_id")
        ))
        .bind(post)
        .bind(author)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(post_author) = post_author else {
            return Err(ApiError::not_found("post"));
        };
        let comment_id: CommentId = sqlx::query_scalar(
            "INSERT INTO comments (post_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(post)
        .bind(author)
        .bind(body)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("UPDATE posts SET comment_count = comment_count + 1 WHERE id = $1")
            .bind(post)
            .execute(&mut *tx)
            .await?;
        // The post's author hears of the comment itself, not of a mention;
        // in id order, as `insert_notification!` requires.
        let mut recipients: BTreeMap<UserId, NotificationKind> = mentioned
            .iter()
            .map(|&id| (id, NotificationKind::Mention))
            .collect();
        recipients.insert(post_author, NotificationKind::Comment);
        recipients.remove(&author);
        let mut notified = Vec::new();
        for (recipient, kind) in recipients {
            let id =
                insert_notification!(tx, recipient, author, kind, Some(post), Some(comment_id))
                    .await?;
            notified.extend(id);
        }
        tx.commit().await?;
        (comment_id, notified)
    });
    let row: CommentRow = with_db!(db, pool, {
        sqlx::query_as(concat!(comment_select!(), " WHERE c.id = $1"))
            .bind(comment_id)
            .fetch_one(pool)
            .await?
    });
    Ok((row.into_comment(urls), notified))
}

/// Deletes comment `$id` (a `CommentId`) on post `$post` in the caller's
/// open transaction `$tx`, with the post's counter; its notifications
/// cascade. The one way a comment goes, whoever removes it.
macro_rules! remove_comment {
    ($tx:expr, $id:expr, $post:expr) => {
        async {
            let (id, post): ($crate::domain::ids::CommentId, $crate::domain::ids::PostId) =
                ($id, $post);
            sqlx::query("DELETE FROM comments WHERE id = $1")
                .bind(id)
                .execute(&mut *$tx)
                .await?;
            sqlx::query("UPDATE posts SET comment_count = comment_count - 1 WHERE id = $1")
                .bind(post)
                .execute(&mut *$tx)
                .await?;
            Ok::<_, sqlx::Error>(())
        }
    };
}
pub(crate) use remove_comment;

/// Deletes comment `id` on behalf of `by`: its author or the post's.
pub async fn delete(db: &Db, id: CommentId, by: UserId) -> ApiResult<()> {
    with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        let found: Option<(PostId, UserId, UserId)> = sqlx::query_as(
            "SELECT c.post_id, c.author_id, p.author_id
             FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((post, comment_author, post_author)) = found else {
            return Err(ApiError::not_found("comment"));
        };
        if !may_delete(by, comment_author, post_author) {
            return Err(ApiError::forbidden(
                "only the comment's author or the post's author can delete it",
            ));
        }
        remove_comment!(tx, id, post).await?;
        tx.commit().await?;
    });
    Ok(())
}
