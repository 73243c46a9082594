//! Who is calling: the user and signed-in session an access token proves.

use std::time::Instant;

use super::ids::{SessionId, UserId};

/// The caller, proven by a valid access token of a session that is not
/// signed out or revoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthUser {
    pub id: UserId,
    pub session: SessionId,
}

/// An access token that verified, and until when it is accepted (a live
/// socket closes then unless it is handed a fresh one).
#[derive(Clone, Copy, Debug)]
pub struct Credentials {
    pub user: AuthUser,
    pub valid_until: Instant,
}

/// Checks an access token: signature, claims, expiry, and that its session
/// was not signed out or revoked since.
pub trait VerifyToken: Send + Sync {
    fn verify(&self, token: &str) -> Option<Credentials>;
}
