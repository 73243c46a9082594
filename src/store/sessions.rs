//! Signed-in sessions and their refresh tokens, stored by hash.

use crate::domain::error::ApiResult;
use crate::domain::ids::{SessionId, UserId};
use crate::domain::Timestamp;
use crate::store::{with_db, BeginWrite, Db};

/// What presenting a refresh token did.
pub enum Spent {
    /// It was live: spent, and `successor` stored in its place.
    Rotated(UserId, SessionId),
    /// It had been spent before: its session is now revoked.
    Reused(UserId, SessionId),
    /// Unknown, expired or revoked.
    Invalid,
}

/// The user and session a refresh token (`$1`, by hash) belongs to, spent or not.
const SESSION_OF_TOKEN: &str = "SELECT s.user_id, s.id FROM refresh_tokens t
     JOIN sessions s ON s.id = t.session_id
     WHERE t.token_hash = $1";

const REVOKE_SESSION: &str =
    "UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";

/// Opens a session for `user` with its first refresh token (by hash).
pub async fn open(
    db: &Db,
    user: UserId,
    token_hash: &str,
    now: Timestamp,
    expires: Timestamp,
) -> ApiResult<SessionId> {
    Ok(with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        let id: SessionId = sqlx::query_scalar(
            "INSERT INTO sessions (user_id, created_at, expires_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(user)
        .bind(now)
        .bind(expires)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES ($1, $2, $3)",
        )
        .bind(token_hash)
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        id
    }))
}

/// Spends the refresh token `token_hash`: a live one is replaced by
/// `successor_hash` and its session extended to `expires`; a spent one
/// revokes its session.
pub async fn spend(
    db: &Db,
    token_hash: &str,
    successor_hash: &str,
    now: Timestamp,
    expires: Timestamp,
) -> ApiResult<Spent> {
    Ok(with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        // Spending is one conditional UPDATE, so two concurrent refreshes
        // with the same token cannot both succeed.
        let spent: Option<SessionId> = sqlx::query_scalar(
            "UPDATE refresh_tokens SET spent_at = $2
             WHERE token_hash = $1 AND spent_at IS NULL
             RETURNING session_id",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;

        match spent {
            Some(session_id) => {
                let user_id: Option<UserId> = sqlx::query_scalar(
                    "UPDATE sessions SET expires_at = $3
                     WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2
                     RETURNING user_id",
                )
                .bind(session_id)
                .bind(now)
                .bind(expires)
                .fetch_optional(&mut *tx)
                .await?;
                match user_id {
                    Some(user_id) => {
                        sqlx::query(
                            "INSERT INTO refresh_tokens (token_hash, session_id, created_at)
                             VALUES ($1, $2, $3)",
                        )
                        .bind(successor_hash)
                        .bind(session_id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        tx.commit().await?;
                        Spent::Rotated(user_id, session_id)
                    }
                    None => Spent::Invalid,
                }
            }
            None => {
                let reused: Option<(UserId, SessionId)> = sqlx::query_as(SESSION_OF_TOKEN)
                    .bind(token_hash)
                    .fetch_optional(&mut *tx)
                    .await?;
                match reused {
                    Some((user_id, session_id)) => {
                        sqlx::query(REVOKE_SESSION)
                            .bind(session_id)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                        tx.commit().await?;
                        Spent::Reused(user_id, session_id)
                    }
                    None => Spent::Invalid,
                }
            }
        }
    }))
}

/// Revokes the session the refresh token `token_hash` (spent or not)
/// belongs to; returns it, if there is one.
pub async fn revoke_by_token(
    db: &Db,
    token_hash: &str,
    now: Timestamp,
) -> ApiResult<Option<(UserId, SessionId)>> {
    Ok(with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        let session: Option<(UserId, SessionId)> = sqlx::query_as(SESSION_OF_TOKEN)
            .bind(token_hash)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some((_, session_id)) = session {
            sqlx::query(REVOKE_SESSION)
                .bind(session_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        session
    }))
}

/// Sessions revoked after `since`, oldest first, with their users.
pub async fn revoked_since(
    db: &Db,
    since: Timestamp,
) -> ApiResult<Vec<(UserId, SessionId, Timestamp)>> {
    Ok(with_db!(db, pool, {
        sqlx::query_as(
            "SELECT user_id, id, revoked_at FROM sessions WHERE revoked_at > $1 ORDER BY revoked_at",
        )
        .bind(since)
        .fetch_all(pool)
        .await?
    }))
}
