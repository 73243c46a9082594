//! What every handler can reach: the database, settings and credentials.

use std::ops::Deref;
use std::sync::Arc;

use crate::auth::{PasswordHasher, Sessions, TokenKeys};
use crate::config::Config;
use crate::db::Db;

/// Cheap to clone: one `Arc` around everything.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub config: Config,
    pub db: Db,
    pub tokens: TokenKeys,
    pub passwords: PasswordHasher,
    pub sessions: Sessions,
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}
