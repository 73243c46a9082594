//! Accounts and credentials: password hashing, access tokens, refresh
//! sessions, and the extractor that turns a bearer token into a user.

mod extract;
mod password;
mod secret;
mod session;
mod token;

pub use extract::{AuthUser, MaybeAuthUser};
pub use password::PasswordHasher;
pub use secret::load_or_create_jwt_secret;
pub use session::{IssuedSession, RefreshOutcome, Sessions};
pub use token::{AccessClaims, TokenKeys};
