//! What every handler can reach: the database, settings, credentials,
//! media storage, the live-session hub and the broker in front of it.

use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;

use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::domain::error::{ApiError, ApiResult};
use crate::domain::MediaUrls;
use crate::http::limits::Limits;
use crate::http::metrics::Metrics;
use crate::live::{self, Broker, Hub};
use crate::media::{BlobStore, MediaStore};
use crate::services::auth::{PasswordHasher, Sessions, TokenKeys, Verifier};
use crate::services::Services;
use crate::store::Db;

/// Cheap to clone: one `Arc` around everything.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub config: Config,
    pub db: Db,
    /// Issues access tokens.
    pub tokens: TokenKeys,
    /// Checks access tokens, the revoked-session list included.
    pub verifier: Verifier,
    pub passwords: PasswordHasher,
    pub sessions: Sessions,
    pub media: MediaStore,
    /// Where stored files live; also the source of every media URL.
    pub blobs: Arc<dyn BlobStore>,
    pub hub: Hub,
    /// Where committed events and ended sessions go.
    pub broker: Arc<dyn Broker>,
    /// Whether the Redis subscription is up; `None` without `REDIS_URL`.
    pub redis: Option<crate::services::cluster::RedisHealth>,
    /// What each live socket is handed.
    pub sockets: Arc<live::Context>,
    pub limits: Limits,
    pub metrics: Metrics,
    /// Work that must run to its end even if its request is dropped;
    /// shutdown waits for it.
    pub tasks: TaskTracker,
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }

    /// What the services need, for one call.
    pub fn services(&self) -> Services {
        Services {
            db: self.db.clone(),
            media: self.media.clone(),
            blobs: Arc::clone(&self.blobs),
            broker: Arc::clone(&self.broker),
        }
    }

    /// Media URLs, as the blob store in use builds them.
    pub fn urls(&self) -> &dyn MediaUrls {
        &*self.blobs
    }

    /// Runs `work` in a task of its own and waits for it. A client hanging
    /// up cancels only the wait, never the work, so a write that has stored
    /// files always reaches its commit or its clean-up; shutdown waits too.
    pub async fn finish_detached<T: Send + 'static>(
        &self,
        work: impl Future<Output = ApiResult<T>> + Send + 'static,
    ) -> ApiResult<T> {
        self.tasks.spawn(work).await.map_err(|e| {
            ApiError::Internal(anyhow::Error::new(e).context("a detached task failed"))
        })?
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}
