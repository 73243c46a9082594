//! Access tokens checked against their keys and the revoked-session list.

use super::TokenKeys;
use crate::domain::auth::{AuthUser, Credentials, VerifyToken};
use crate::live::RevokedSessions;

/// Verifies access tokens; cheap to clone.
#[derive(Clone)]
pub struct Verifier {
    tokens: TokenKeys,
    revoked: RevokedSessions,
}

impl Verifier {
    pub fn new(tokens: TokenKeys, revoked: RevokedSessions) -> Self {
        Self { tokens, revoked }
    }
}

impl VerifyToken for Verifier {
    /// Checks signature, claims and expiry, then that the session was not
    /// signed out or revoked since: an in-memory lookup, no database call.
    fn verify(&self, token: &str) -> Option<Credentials> {
        let claims = self.tokens.verify(token)?;
        let user = AuthUser {
            id: claims.user_id()?,
            session: claims.session_id(),
        };
        if self.revoked.is_revoked(user.session) {
            return None;
        }
        // Never longer than a token of ours can live, whatever `exp` says.
        let valid_for = claims.valid_for().min(self.tokens.accepted_for());
        Some(Credentials {
            user,
            valid_until: std::time::Instant::now() + valid_for,
        })
    }
}
