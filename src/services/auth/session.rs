//! Refresh sessions: opaque, single-use refresh tokens rotated on every use.
//!
//! Only SHA-256 hashes of refresh tokens are stored. Every token stays on
//! record after it is spent, so one presented a second time is recognised as
//! stolen and revokes its whole session.

use std::time::Duration;

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::domain::error::ApiResult;
use crate::domain::ids::{SessionId, UserId};
use crate::domain::Timestamp;
use crate::store::with_db;
use crate::store::{BeginWrite, Db};

/// A session just opened or refreshed, with the new refresh token in clear.
pub struct IssuedSession {
    pub user_id: UserId,
    pub session_id: SessionId,
    pub refresh_token: String,
}

pub enum RefreshOutcome {
    Refreshed(IssuedSession),
    /// A spent token came back: the session is now revoked.
    Reused(UserId, SessionId),
    /// Unknown, expired or revoked.
    Invalid,
}

#[derive(Clone)]
pub struct Sessions {
    db: Db,
    ttl: Duration,
}

impl Sessions {
    pub fn new(db: Db, ttl: Duration) -> Self {
        Self { db, ttl }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn expiry(&self, now: Timestamp) -> Timestamp {
        let ttl = chrono::Duration::from_std(self.ttl).unwrap_or(chrono::Duration::MAX);
        Timestamp::from_datetime(
            now.as_datetime()
                .checked_add_signed(ttl)
                .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC),
        )
    }

    pub async fn open(&self, user_id: UserId) -> ApiResult<IssuedSession> {
        let now = Timestamp::now();
        let expires = self.expiry(now);
        let refresh_token = new_token();
        let hash = hash_token(&refresh_token);
        let session_id = with_db!(&self.db, pool, {
            let mut tx = pool.begin_write().await?;
            let id: SessionId = sqlx::query_scalar(
                "INSERT INTO sessions (user_id, created_at, expires_at) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(user_id)
            .bind(now)
            .bind(expires)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES ($1, $2, $3)")
                .bind(&hash)
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            id
        });
        Ok(IssuedSession {
            user_id,
            session_id,
            refresh_token,
        })
    }

    /// Spends `token` and issues its successor in the same session.
    pub async fn refresh(&self, token: &str) -> ApiResult<RefreshOutcome> {
        let now = Timestamp::now();
        let expires = self.expiry(now);
        let hash = hash_token(token);
        let successor = new_token();
        let outcome = with_db!(&self.db, pool, {
            let mut tx = pool.begin_write().await?;
            // Spending is one conditional UPDATE, so two concurrent refreshes
            // with the same token cannot both succeed.
            let spent: Option<SessionId> = sqlx::query_scalar(
                "UPDATE refresh_tokens SET spent_at = $2
                 WHERE token_hash = $1 AND spent_at IS NULL
                 RETURNING session_id",
            )
            .bind(&hash)
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
                                "INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES ($1, $2, $3)",
                            )
                            .bind(hash_token(&successor))
                            .bind(session_id)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                            tx.commit().await?;
                            RefreshOutcome::Refreshed(IssuedSession {
                                user_id,
                                session_id,
                                refresh_token: successor,
                            })
                        }
                        None => RefreshOutcome::Invalid,
                    }
                }
                None => {
                    let reused: Option<(UserId, SessionId)> = sqlx::query_as(
                        "SELECT s.user_id, s.id FROM refresh_tokens t
                         JOIN sessions s ON s.id = t.session_id
                         WHERE t.token_hash = $1",
                    )
                    .bind(&hash)
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
                            RefreshOutcome::Reused(user_id, session_id)
                        }
                        None => RefreshOutcome::Invalid,
                    }
                }
            }
        });
        Ok(outcome)
    }

    /// Revokes the session a refresh token (spent or not) belongs to.
    pub async fn revoke_by_token(&self, token: &str) -> ApiResult<Option<(UserId, SessionId)>> {
        let hash = hash_token(token);
        let now = Timestamp::now();
        let revoked = with_db!(&self.db, pool, {
            let mut tx = pool.begin_write().await?;
            let session: Option<(UserId, SessionId)> = sqlx::query_as(
                "SELECT s.user_id, s.id FROM refresh_tokens t
                 JOIN sessions s ON s.id = t.session_id
                 WHERE t.token_hash = $1",
            )
            .bind(&hash)
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
        });
        Ok(revoked)
    }

    /// Sessions revoked within the last `within`, oldest first: what the
    /// in-memory revocation list must hold again after a start-up.
    pub async fn recently_revoked(
        &self,
        within: Duration,
    ) -> Result<Vec<(SessionId, Timestamp)>, sqlx::Error> {
        let within = chrono::Duration::from_std(within).unwrap_or(chrono::Duration::MAX);
        let since = Timestamp::now()
            .as_datetime()
            .checked_sub_signed(within)
            .map_or(Timestamp::START, Timestamp::from_datetime);
        with_db!(&self.db, pool, {
            sqlx::query_as(
                "SELECT id, revoked_at FROM sessions WHERE revoked_at > $1 ORDER BY revoked_at",
            )
            .bind(since)
            .fetch_all(pool)
            .await
        })
    }
}

const REVOKE_SESSION: &str =
    "UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";

/// 256 random bits, URL-safe.
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
