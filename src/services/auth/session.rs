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
use crate::store::sessions::{self, Spent};
use crate::store::Db;

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
        let refresh_token = new_token();
        let session_id = sessions::open(
            &self.db,
            user_id,
            &hash_token(&refresh_token),
            now,
            self.expiry(now),
        )
        .await?;
        Ok(IssuedSession {
            user_id,
            session_id,
            refresh_token,
        })
    }

    /// Spends `token` and issues its successor in the same session.
    pub async fn refresh(&self, token: &str) -> ApiResult<RefreshOutcome> {
        let now = Timestamp::now();
        let successor = new_token();
        let spent = sessions::spend(
            &self.db,
            &hash_token(token),
            &hash_token(&successor),
            now,
            self.expiry(now),
        )
        .await?;
        Ok(match spent {
            Spent::Rotated(user_id, session_id) => RefreshOutcome::Refreshed(IssuedSession {
                user_id,
                session_id,
                refresh_token: successor,
            }),
            Spent::Reused(user_id, session_id) => RefreshOutcome::Reused(user_id, session_id),
            Spent::Invalid => RefreshOutcome::Invalid,
        })
    }

    /// Revokes the session a refresh token (spent or not) belongs to.
    pub async fn revoke_by_token(&self, token: &str) -> ApiResult<Option<(UserId, SessionId)>> {
        sessions::revoke_by_token(&self.db, &hash_token(token), Timestamp::now()).await
    }

    /// Sessions revoked within the last `within`, oldest first: what the
    /// in-memory revocation list must hold again after a start-up.
    pub async fn recently_revoked(
        &self,
        within: Duration,
    ) -> ApiResult<Vec<(SessionId, Timestamp)>> {
        let within = chrono::Duration::from_std(within).unwrap_or(chrono::Duration::MAX);
        let since = Timestamp::now()
            .as_datetime()
            .checked_sub_signed(within)
            .map_or(Timestamp::START, Timestamp::from_datetime);
        let revoked = sessions::revoked_since(&self.db, since).await?;
        Ok(revoked
            .into_iter()
            .map(|(_, session, revoked_at)| (session, revoked_at))
            .collect())
    }
}

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
