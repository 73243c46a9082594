//! Accounts and credentials: password hashing, access tokens, refresh
//! sessions, the list of recently revoked sessions, and the extractor that
//! turns a bearer token into a user.

mod extract;
mod password;
mod revoked;
mod secret;
mod session;
mod token;

pub use extract::{AuthUser, Credentials, MaybeAuthUser};
pub use password::PasswordHasher;
pub use revoked::{revoke_session, RevokedSessions};
pub use secret::load_or_create_jwt_secret;
pub use session::{IssuedSession, RefreshOutcome, Sessions};
pub use token::{AccessClaims, TokenKeys};
