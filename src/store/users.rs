//! Accounts as profiles: reading them, names to ids, profile edits.

use crate::domain::error::{ApiError, ApiResult};
use crate::domain::fields::Username;
use crate::domain::ids::UserId;
use crate::domain::media::avatar_keys;
use crate::domain::media::small_avatar_key;
use crate::domain::moderation::Role;
use crate::domain::{MediaUrls, Timestamp, User};
use crate::store::error::is_unique_violation;
use crate::store::visibility::may_see;
use crate::store::{placeholders, with_db, BeginWrite, Db};

#[derive(sqlx::FromRow)]
struct UserRow {
    id: UserId,
    username: String,
    email: String,
    display_name: String,
    bio: String,
    avatar_key: Option<String>,
    created_at: Timestamp,
    posts_count: i64,
    followers_count: i64,
    following_count: i64,
    is_private: bool,
    followed_by_me: bool,
    follows_me: bool,
    blocked_by_me: bool,
    muted_by_me: bool,
    follow_requested: bool,
    role: String,
}

impl UserRow {
    /// The public view; `viewer` decides whether `followed_by_me` is shown.
    fn into_user(self, viewer: Option<UserId>, urls: &dyn MediaUrls) -> User {
        User {
            id: self.id,
            username: self.username,
            display_name: self.display_name,
            bio: self.bio,
            avatar_url: self.avatar_key.as_deref().map(|key| urls.url(key)),
            avatar_small_url: self
                .avatar_key
                .as_deref()
                .and_then(small_avatar_key)
                .map(|key| urls.url(&key)),
            created_at: self.created_at,
            posts_count: self.posts_count,
            followers_count: self.followers_count,
            following_count: self.following_count,
            is_private: self.is_private,
            followed_by_me: viewer.map(|_| self.followed_by_me),
            follows_me: viewer.map(|_| self.follows_me),
            blocked_by_me: viewer.map(|_| self.blocked_by_me),
            muted_by_me: viewer.map(|_| self.muted_by_me),
            follow_requested: viewer.map(|_| self.follow_requested),
            email: None,
            role: None,
        }
    }

    /// The owner's view, with the e-mail address and the role.
    fn into_own_user(self, urls: &dyn MediaUrls) -> ApiResult<User> {
        let email = self.email.clone();
        let role = Role::parse(&self.role).ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!("unknown stored role {:?}", self.role))
        })?;
        let id = self.id;
        Ok(User {
            email: Some(email),
            role: Some(role),
            ..self.into_user(Some(id), urls)
        })
    }
}

/// Selects one user as `UserRow`; `$1` is the key, `$2` the viewer (or NULL),
/// whose relations to the user fill the `…_me` columns.
macro_rules! select_user {
    ($where:literal) => {
        concat!(
            "SELECT u.id, u.username, u.email, u.display_name, u.bio, u.avatar_key,
                    u.created_at, u.posts_count, u.followers_count, u.following_count,
                    u.is_private,
                    EXISTS (SELECT 1 FROM follows f
                            WHERE f.follower_id = $2 AND f.followee_id = u.id) AS followed_by_me,
                    EXISTS (SELECT 1 FROM follows f
                            WHERE f.follower_id = u.id AND f.followee_id = $2) AS follows_me,
                    EXISTS (SELECT 1 FROM blocks b
                            WHERE b.blocker_id = $2 AND b.blocked_id = u.id) AS blocked_by_me,
                    EXISTS (SELECT 1 FROM mutes m
                            WHERE m.muter_id = $2 AND m.muted_id = u.id) AS muted_by_me,
                    EXISTS (SELECT 1 FROM follow_requests r
                            WHERE r.requester_id = $2 AND r.target_id = u.id) AS follow_requested,
                    u.role
             FROM users u WHERE ",
            $where
        )
    };
}

/// A profile by name, as `viewer` sees it: `None` also when `viewer` may
/// not see it.
pub async fn by_username(
    db: &Db,
    urls: &dyn MediaUrls,
    username: &Username,
    viewer: Option<UserId>,
) -> ApiResult<Option<User>> {
    let row: Option<UserRow> = with_db!(db, pool, {
        sqlx::query_as(concat!(
            select_user!("u.username = $1 AND "),
            may_see!("$2", "u.id")
        ))
        .bind(username.as_str())
        .bind(viewer)
        .fetch_optional(pool)
        .await?
    });
    Ok(row.map(|row| row.into_user(viewer, urls)))
}

/// An account by id with `viewer`'s relations to it, whether or not
/// `viewer` may see it: the answer to the viewer's own act on the account
/// (following, blocking, muting it).
pub async fn related(
    db: &Db,
    urls: &dyn MediaUrls,
    id: UserId,
    viewer: Option<UserId>,
) -> ApiResult<Option<User>> {
    let row: Option<UserRow> = with_db!(db, pool, {
        sqlx::query_as(select_user!("u.id = $1"))
            .bind(id)
            .bind(viewer)
            .fetch_optional(pool)
            .await?
    });
    Ok(row.map(|row| row.into_user(viewer, urls)))
}

/// The caller's own account, with the e-mail address. A missing row is a
/// 401: the token names an account that is gone.
pub async fn own_account(db: &Db, urls: &dyn MediaUrls, id: UserId) -> ApiResult<User> {
    let row: Option<UserRow> = with_db!(db, pool, {
        sqlx::query_as(select_user!("u.id = $1"))
            .bind(id)
            .bind(id)
            .fetch_optional(pool)
            .await?
    });
    row.ok_or_else(|| ApiError::unauthorized("the account no longer exists"))?
        .into_own_user(urls)
}

/// The ids of the existing users among `names` (for @mentions; whether
/// one hears of it is the notification's own rule, `hears_from!`).
pub async fn ids_of(db: &Db, names: &[Username]) -> ApiResult<Vec<UserId>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id FROM users WHERE username IN ({})",
        placeholders(1, names.len())
    );
    Ok(with_db!(db, pool, {
        let mut query = sqlx::query_scalar::<_, UserId>(&sql);
        for name in names {
            query = query.bind(name.as_str());
        }
        query.fetch_all(pool).await?
    }))
}

/// The id of the user with this name, if `viewer` may see them.
pub async fn visible_id_of(
    db: &Db,
    username: &Username,
    viewer: Option<UserId>,
) -> ApiResult<Option<UserId>> {
    Ok(with_db!(db, pool, {
        sqlx::query_scalar(concat!(
            "SELECT u.id FROM users u WHERE u.username = $1 AND ",
            may_see!("$2", "u.id")
        ))
        .bind(username.as_str())
        .bind(viewer)
        .fetch_optional(pool)
        .await?
    }))
}

/// The id of the user with this name, whoever asks: for acts that must
/// reach an account the caller may not see (unblocking it).
pub async fn id_of(db: &Db, username: &Username) -> ApiResult<Option<UserId>> {
    Ok(with_db!(db, pool, {
        sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(username.as_str())
            .fetch_optional(pool)
            .await?
    }))
}

/// Changes the given profile fields; `None` keeps a field as it is.
pub async fn update_profile(
    db: &Db,
    id: UserId,
    display_name: Option<&str>,
    bio: Option<&str>,
) -> ApiResult<()> {
    with_db!(db, pool, {
        sqlx::query(
            "UPDATE users SET display_name = COALESCE($2, display_name), bio = COALESCE($3, bio)
             WHERE id = $1",
        )
        .bind(id)
        .bind(display_name)
        .bind(bio)
        .execute(pool)
        .await
        .map(drop)?
    });
    Ok(())
}

/// Points the account at a new avatar; returns the key of the one replaced.
pub async fn replace_avatar(db: &Db, id: UserId, key: &str) -> ApiResult<Option<String>> {
    Ok(with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        let previous: Option<String> =
            sqlx::query_scalar("SELECT avatar_key FROM users WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        // Queued with the change (the avatar and its small version), taken
        // off once the old files are gone.
        for old in previous.iter().cloned().flat_map(avatar_keys) {
            sqlx::query("INSERT INTO blob_deletions (key) VALUES ($1) ON CONFLICT DO NOTHING")
                .bind(old)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE users SET avatar_key = $2 WHERE id = $1")
            .bind(id)
            .bind(key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        previous
    }))
}

/// Which unique name a new account collided with.
pub enum Taken {
    Username,
    Email,
}

/// Whether the username and the e-mail (both lower case) are already in use.
pub async fn names_taken(db: &Db, username: &Username, email: &str) -> ApiResult<(bool, bool)> {
    Ok(with_db!(db, pool, {
        sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM users WHERE username = $1),
                    EXISTS (SELECT 1 FROM users WHERE email = $2)",
        )
        .bind(username.as_str())
        .bind(email)
        .fetch_one(pool)
        .await?
    }))
}

/// Creates an account; a username or e-mail taken meanwhile (by a
/// concurrent sign-up) is told apart from a failure.
pub async fn create(
    db: &Db,
    username: &Username,
    email: &str,
    password_hash: &str,
    display_name: &str,
) -> ApiResult<Result<UserId, Taken>> {
    let inserted: Result<UserId, sqlx::Error> = with_db!(db, pool, {
        sqlx::query_scalar(
            "INSERT INTO users (username, email, password_hash, display_name, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(username.as_str())
        .bind(email)
        .bind(password_hash)
        .bind(display_name)
        .bind(Timestamp::now())
        .fetch_one(pool)
        .await
    });
    match inserted {
        Ok(id) => Ok(Ok(id)),
        Err(e) if is_unique_violation(&e, "username") => Ok(Err(Taken::Username)),
        Err(e) if is_unique_violation(&e, "email") => Ok(Err(Taken::Email)),
        Err(e) => Err(e.into()),
    }
}

/// The id and password hash of the account whose username or e-mail is
/// `login` (lower case).
pub async fn password_hash_by_login(db: &Db, login: &str) -> ApiResult<Option<(UserId, String)>> {
    Ok(with_db!(db, pool, {
        sqlx::query_as("SELECT id, password_hash FROM users WHERE username = $1 OR email = $1")
            .bind(login)
            .fetch_optional(pool)
            .await?
    }))
}
