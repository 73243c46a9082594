//! What every handler can reach: the database, settings, credentials,
//! media storage and the live-session hub.

use std::ops::Deref;
use std::sync::Arc;

use crate::auth::{PasswordHasher, Sessions, TokenKeys};
use crate::config::Config;
use crate::db::Db;
use crate::limits::Limits;
use crate::media::MediaStore;
use crate::realtime::Hub;

/// Cheap to clone: one `Arc` around everything.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub config: Config,
    pub db: Db,
    pub tokens: TokenKeys,
    pub passwords: PasswordHasher,
    pub sessions: Sessions,
    pub media: MediaStore,
    pub hub: Hub,
    pub limits: Limits,
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
