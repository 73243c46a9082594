//! Short-lived HS256 access tokens.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::domain::ids::{SessionId, UserId};

const ISSUER: &str = "shutterbug";
const AUDIENCE: &str = "shutterbug-api";
/// Clock skew tolerated past `exp`, in seconds.
const LEEWAY_SECS: u64 = 5;

/// What an access token says: who, which session, until when.
#[derive(Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub sid: i64,
    pub iat: u64,
    pub exp: u64,
    pub iss: String,
    pub aud: String,
}

impl AccessClaims {
    pub fn user_id(&self) -> Option<UserId> {
        self.sub.parse().ok().map(UserId)
    }

    pub fn session_id(&self) -> SessionId {
        SessionId(self.sid)
    }

    /// How long from now [`TokenKeys::verify`] keeps accepting this token:
    /// until `exp` plus the leeway, to the end of that second (the check
    /// counts whole seconds).
    pub fn valid_for(&self) -> Duration {
        let refused_from = Duration::from_secs(self.exp.saturating_add(LEEWAY_SECS + 1));
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        refused_from.saturating_sub(now)
    }
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl TokenKeys {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        // Pin the algorithm (no "alg": "none", no key confusion), require
        // every claim we rely on, and allow only seconds of clock skew.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["sub", "exp", "iat", "iss", "aud"]);
        validation.leeway = LEEWAY_SECS;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The longest a token may still be accepted after it was issued: how
    /// long a revoked session must be remembered.
    pub fn accepted_for(&self) -> Duration {
        self.ttl
            .saturating_add(Duration::from_secs(LEEWAY_SECS + 1))
    }

    pub fn issue(&self, user: UserId, session: SessionId) -> anyhow::Result<String> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = AccessClaims {
            sub: user.0.to_string(),
            sid: session.0,
            iat: now,
            exp: now + self.ttl.as_secs(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// The claims of a valid token; `None` for anything forged, expired or malformed.
    pub fn verify(&self, token: &str) -> Option<AccessClaims> {
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
            .filter(|claims| claims.user_id().is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_valid_for_its_ttl_and_leeway_and_never_longer_than_accepted_for() {
        let keys = TokenKeys::new(&[7; 32], Duration::from_secs(60));
        let token = keys.issue(UserId(1), SessionId(2)).unwrap();
        let valid_for = keys.verify(&token).unwrap().valid_for();
        assert!(
            valid_for > Duration::from_secs(60 + LEEWAY_SECS),
            "{valid_for:?}"
        );
        assert!(valid_for <= keys.accepted_for(), "{valid_for:?}");
    }
}
