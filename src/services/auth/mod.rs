//! Accounts and credentials: password hashing, access tokens and their
//! verification, refresh sessions.

mod password;
mod secret;
mod session;
mod token;
mod verify;

pub use password::PasswordHasher;
pub use secret::load_or_create_jwt_secret;
pub use session::{IssuedSession, RefreshOutcome, Sessions};
pub use token::{AccessClaims, TokenKeys};
pub use verify::Verifier;
