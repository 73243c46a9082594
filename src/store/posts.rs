//! Posts: reading them whole (author, media, the viewer's like), writing
//! them with their media, tags and mentions, deleting, liking.

use std::collections::HashMap;

use crate::domain::error::{ApiError, ApiResult};
use crate::domain::ids::{NotificationId, PostId, UserId};
use crate::domain::media::StoredImage;
use crate::domain::NotificationKind;
use crate::domain::{text, Media, MediaUrls, Post, ShortUser, Timestamp};
use crate::store::comments;
use crate::store::notifications::{hears_from, insert_notification, once_kinds};
use crate::store::visibility::may_read;
use crate::store::{placeholders, with_db, BeginWrite, Db};

/// A post with its author, as every post list selects it.
#[derive(sqlx::FromRow)]
pub(crate) struct PostRow {
    pub(crate) id: PostId,
    caption: String,
    like_count: i64,
    comment_count: i64,
    pub(crate) created_at: Timestamp,
    liked_by_me: bool,
    author_id: UserId,
    author_username: String,
    author_display_name: String,
    author_avatar_key: Option<String>,
}

/// The columns of a `PostRow` from `posts p JOIN users u`; `$1` is the
/// viewer (or NULL), which decides `liked_by_me`.
macro_rules! post_columns {
    () => {
        "p.id, p.caption, p.like_count, p.comment_count, p.created_at,
         u.id AS author_id, u.username AS author_username,
         u.display_name AS author_display_name, u.avatar_key AS author_avatar_key,
         EXISTS (SELECT 1 FROM likes l WHERE l.post_id = p.id AND l.user_id = $1) AS liked_by_me"
    };
}
pub(crate) use post_columns;

#[derive(sqlx::FromRow)]
struct MediaRow {
    post_id: PostId,
    image_key: String,
    thumb_key: String,
    medium_key: Option<String>,
    width: i64,
    height: i64,
    blurhash: String,
    alt: String,
}

/// The media of `posts` posts, bound as `$1`…: the second and last query of
/// every page of posts (public for the load test's pgbench script).
pub fn media_query(posts: usize) -> String {
    format!(
        "SELECT post_id, image_key, thumb_key, medium_key, width, height, blurhash, alt
         FROM media WHERE post_id IN ({}) ORDER BY post_id, position",
        placeholders(1, posts)
    )
}

/// Turns rows into `Post`s, loading the media of all of them in one query
/// and their recent comments (those `viewer` may see) in another.
pub(crate) async fn hydrate(
    db: &Db,
    urls: &dyn MediaUrls,
    rows: Vec<PostRow>,
    viewer: Option<UserId>,
) -> ApiResult<Vec<Post>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let sql = media_query(rows.len());
    let media_rows: Vec<MediaRow> = with_db!(db, pool, {
        let mut query = sqlx::query_as::<_, MediaRow>(&sql);
        for row in &rows {
            query = query.bind(row.id);
        }
        query.fetch_all(pool).await?
    });
    let ids: Vec<PostId> = rows.iter().map(|row| row.id).collect();
    let mut recent = comments::recent(db, urls, &ids, viewer).await?;
    let mut media: HashMap<PostId, Vec<Media>> = HashMap::new();
    for row in media_rows {
        media.entry(row.post_id).or_default().push(Media {
            url: urls.url(&row.image_key),
            thumbnail_url: urls.url(&row.thumb_key),
            medium_url: row.medium_key.as_deref().map(|key| urls.url(key)),
            width: row.width,
            height: row.height,
            blurhash: row.blurhash,
            alt: row.alt,
        });
    }
    Ok(rows
        .into_iter()
        .map(|row| Post {
            id: row.id,
            author: ShortUser::new(
                row.author_id,
                row.author_username,
                row.author_display_name,
                row.author_avatar_key.as_deref(),
                urls,
            ),
            hashtags: text::hashtags(&row.caption),
            media: media.remove(&row.id).unwrap_or_default(),
            caption: row.caption,
            like_count: row.like_count,
            comment_count: row.comment_count,
            liked_by_me: row.liked_by_me,
            recent_comments: recent.remove(&row.id).unwrap_or_default(),
            created_at: row.created_at,
        })
        .collect())
}

/// Loads one post as `viewer` sees it.
pub async fn load(
    db: &Db,
    urls: &dyn MediaUrls,
    id: PostId,
    viewer: Option<UserId>,
) -> ApiResult<Option<Post>> {
    let row: Option<PostRow> = with_db!(db, pool, {
        sqlx::query_as(concat!(
            "SELECT ",
            post_columns!(),
            " FROM posts p JOIN users u ON u.id = p.author_id WHERE p.id = $2 AND ",
            may_read!("$1", "p.author_id")
        ))
        .bind(viewer)
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    Ok(hydrate(db, urls, row.into_iter().collect(), viewer)
        .await?
        .pop())
}

/// Writes a post, its media, its hashtags and its mentions in one
/// transaction; returns the post's id and the mention notifications.
pub async fn insert(
    db: &Db,
    author: UserId,
    caption: &str,
    alts: &[String],
    images: &[StoredImage],
    mentioned: &[UserId],
) -> ApiResult<(PostId, Vec<NotificationId>)> {
    let now = Timestamp::now();
    let tags = text::hashtags(caption);
    Ok(with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        let post_id: PostId = sqlx::query_scalar(
            "INSERT INTO posts (author_id, caption, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(author)
        .bind(caption)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for (position, image) in images.iter().enumerate() {
            sqlx::query(
                "INSERT INTO media (post_id, position, image_key, thumb_key, medium_key, width, height, blurhash, alt)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(post_id)
            .bind(position as i64)
            .bind(&image.image_key)
            .bind(&image.thumb_key)
            .bind(&image.medium_key)
            .bind(i64::from(image.width))
            .bind(i64::from(image.height))
            .bind(&image.blurhash)
            .bind(alts.get(position).map_or("", String::as_str))
            .execute(&mut *tx)
            .await?;
        }
        // First, so that the author's row stays locked to the commit and a
        // switch of privacy cannot slip between reading it and counting.
        let private: bool = sqlx::query_scalar(
            "UPDATE users SET posts_count = posts_count + 1 WHERE id = $1 RETURNING is_private",
        )
        .bind(author)
        .fetch_one(&mut *tx)
        .await?;
        // A tag's post_count counts public posts only.
        let counted = i64::from(!private);
        for tag in &tags {
            let hashtag_id: i64 = sqlx::query_scalar(
                "INSERT INTO hashtags (tag, post_count) VALUES ($1, $2)
                 ON CONFLICT (tag) DO UPDATE SET post_count = hashtags.post_count + excluded.post_count
                 RETURNING id",
            )
            .bind(tag)
            .bind(counted)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO post_hashtags (hashtag_id, post_id, created_at) VALUES ($1, $2, $3)",
            )
            .bind(hashtag_id)
            .bind(post_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let mut notified = Vec::new();
        for &recipient in mentioned {
            if recipient != author {
                let id = insert_notification!(
                    tx,
                    recipient,
                    author,
                    NotificationKind::Mention,
                    Some(post_id),
                    None::<i64>
                )
                .await?;
                notified.extend(id);
            }
        }
        tx.commit().await?;
        (post_id, notified)
    }))
}

/// Deletes post `$id` (a `PostId`) of author `$author` in the caller's open
/// transaction `$tx`, with its likes, comments, tags and notifications, and
/// queues its files for deletion; evaluates to a future of the files' keys,
/// for the caller to remove once the transaction has committed. The one
/// way a post goes, whether its author or a moderator removes it.
macro_rules! remove_post {
    ($tx:expr, $id:expr, $author:expr) => {
        async {
            let (id, author): ($crate::domain::ids::PostId, $crate::domain::ids::UserId) =
                ($id, $author);
            let files: Vec<(String, String, Option<String>)> = sqlx::query_as(
                "SELECT image_key, thumb_key, medium_key FROM media WHERE post_id = $1",
            )
            .bind(id)
            .fetch_all(&mut *$tx)
            .await?;
            // Queued with the rows' removal, taken off once the files are gone.
            sqlx::query(
                "INSERT INTO blob_deletions (key)
                 SELECT image_key FROM media WHERE post_id = $1
                 UNION ALL SELECT thumb_key FROM media WHERE post_id = $1
                 UNION ALL SELECT medium_key FROM media WHERE post_id = $1 AND medium_key IS NOT NULL",
            )
            .bind(id)
            .execute(&mut *$tx)
            .await?;
            // The author's row first, locked to the commit as in `insert`.
            let private: bool = sqlx::query_scalar(
                "UPDATE users SET posts_count = posts_count - 1 WHERE id = $1 RETURNING is_private",
            )
            .bind(author)
            .fetch_one(&mut *$tx)
            .await?;
            // Tags count public posts only.
            if !private {
                sqlx::query(
                    "UPDATE hashtags SET post_count = post_count - 1
                     WHERE id IN (SELECT hashtag_id FROM post_hashtags WHERE post_id = $1)",
                )
                .bind(id)
                .execute(&mut *$tx)
                .await?;
            }
            // Likes, comments, media rows, tag links and notifications cascade.
            sqlx::query("DELETE FROM posts WHERE id = $1")
                .bind(id)
                .execute(&mut *$tx)
                .await?;
            let keys: Vec<String> = files
                .into_iter()
                .flat_map(|(image, thumb, medium)| [Some(image), Some(thumb), medium])
                .flatten()
                .collect();
            Ok::<_, sqlx::Error>(keys)
        }
    };
}
pub(crate) use remove_post;

/// Deletes `by`'s post `id` with everything hanging off it (`remove_post!`);
/// returns the keys of its files, for the caller to remove once the rows
/// are gone.
pub async fn delete(db: &Db, id: PostId, by: UserId) -> ApiResult<Vec<String>> {
    Ok(with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        let author: Option<UserId> =
            sqlx::query_scalar("SELECT author_id FROM posts WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        match author {
            None => return Err(ApiError::not_found("post")),
            Some(author) if author != by => {
                return Err(ApiError::forbidden("only the author can delete a post"))
            }
            Some(_) => {}
        }
        let keys = remove_post!(tx, id, by).await?;
        tx.commit().await?;
        keys
    }))
}

/// A like on PostgreSQL as one statement (so one round trip and one commit
/// instead of six): the like, the counter and the author's notification,
/// each only if the step before it happened. The same as the SQLite
/// transaction in [`like`] (`streamed` is `store::notifications::NEXT_SEQ`, in
/// the terms of the `notifications_once` index so that the index answers
/// it); likes are the most frequent write.
/// `$1` post, `$2` liker, `$3` now, `$4` the notification kind.
const LIKE_POSTGRES: &str = concat!(
    "WITH visible AS (
        SELECT id, author_id FROM posts WHERE id = $1 AND ",
    may_read!("$2", "posts.author_id"),
    "), liked AS (
        INSERT INTO likes (post_id, user_id, created_at)
        SELECT id, $2, $3 FROM visible
        ON CONFLICT DO NOTHING
        RETURNING post_id
    ), counted AS (
        UPDATE posts SET like_count = like_count + 1
        WHERE id = (SELECT post_id FROM liked)
        RETURNING author_id
    ), streamed AS (
        INSERT INTO notification_streams (user_id, last_seq)
        SELECT author_id, 1 FROM counted
        WHERE author_id <> $2 AND NOT EXISTS (
            SELECT 1 FROM notifications
            WHERE recipient_id = counted.author_id AND actor_id = $2 AND kind = $4
              AND kind IN ",
    once_kinds!(),
    " AND COALESCE(post_id, 0) = $1
        ) AND ",
    hears_from!("counted.author_id", "$2"),
    " ON CONFLICT (user_id) DO UPDATE SET last_seq = notification_streams.last_seq + 1
        RETURNING user_id, last_seq
    ), notified AS (
        INSERT INTO notifications (recipient_id, seq, actor_id, kind, post_id, created_at)
        SELECT user_id, last_seq, $2, $4, $1, $3 FROM streamed
        ON CONFLICT DO NOTHING
        RETURNING id
    )
    SELECT EXISTS (SELECT 1 FROM visible), (SELECT id FROM notified)"
);

/// `by` likes post `id` (idempotent); its author is notified once, ever.
/// Returns the new notification, if any.
pub async fn like(db: &Db, id: PostId, by: UserId) -> ApiResult<Vec<NotificationId>> {
    Ok(match db {
        Db::Postgres(pool) => {
            let (found, notification): (bool, Option<NotificationId>) =
                sqlx::query_as(LIKE_POSTGRES)
                    .bind(id)
                    .bind(by)
                    .bind(Timestamp::now())
                    .bind(NotificationKind::Like.as_str())
                    .fetch_one(pool)
                    .await?;
            if !found {
                return Err(ApiError::not_found("post"));
            }
            notification.into_iter().collect()
        }
        Db::Sqlite(pool) => {
            let mut tx = pool.begin_write().await?;
            let author: Option<UserId> = sqlx::query_scalar(concat!(
                "SELECT author_id FROM posts WHERE id = $1 AND ",
                may_read!("$2", "posts.author_id")
            ))
            .bind(id)
            .bind(by)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(author) = author else {
                return Err(ApiError::not_found("post"));
            };
            let inserted = sqlx::query(
                "INSERT INTO likes (post_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(by)
            .bind(Timestamp::now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let mut notified = Vec::new();
            if inserted == 1 {
                sqlx::query("UPDATE posts SET like_count = like_count + 1 WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if author != by {
                    let id = insert_notification!(
                        tx,
                        author,
                        by,
                        NotificationKind::Like,
                        Some(id),
                        None::<i64>
                    )
                    .await?;
                    notified.extend(id);
                }
            }
            tx.commit().await?;
            notified
        }
    })
}

/// Takes `by`'s like of post `id` back (idempotent).
pub async fn unlike(db: &Db, id: PostId, by: UserId) -> ApiResult<()> {
    with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        let removed = sqlx::query("DELETE FROM likes WHERE post_id = $1 AND user_id = $2")
            .bind(id)
            .bind(by)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 1 {
            sqlx::query("UPDATE posts SET like_count = like_count - 1 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    });
    Ok(())
}
