//! Work that spans several stores and side effects (files, live events):
//! what a request means, without the HTTP around it.

pub mod accounts;
pub mod auth;
pub mod blocks;
pub mod cluster;
pub mod comments;
pub mod follows;
pub mod media;
pub mod moderation;
pub mod notifications;
pub mod posts;

use std::sync::Arc;

use crate::domain::MediaUrls;
use crate::live::Broker;
use crate::media::{BlobStore, MediaStore};
use crate::store::Db;

/// What the services work with: the store, stored files, and the broker
/// that carries committed events to live sessions. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub media: MediaStore,
    pub blobs: Arc<dyn BlobStore>,
    pub broker: Arc<dyn Broker>,
}

impl Services {
    /// Media URLs, as the blob store in use builds them.
    pub fn urls(&self) -> &dyn MediaUrls {
        &*self.blobs
    }
}
