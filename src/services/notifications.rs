//! Notifications on their way out: delivered live once committed, and read
//! back by sockets that catch up.

use std::sync::Arc;

use futures_util::future::BoxFuture;

use crate::domain::error::ApiError;
use crate::domain::ids::{NotificationId, UserId};
use crate::domain::{MediaUrls, Notification};
use crate::live::{Backlog, Broker};
use crate::media::BlobStore;
use crate::store::{notifications, Db};

/// Hands notifications that have just been committed to the broker for
/// every live session of their recipients. Never fails the request that
/// caused them: the notifications are stored, and a client that misses the
/// live event catches up with `since` or over REST.
pub async fn publish(db: &Db, urls: &dyn MediaUrls, broker: &dyn Broker, ids: Vec<NotificationId>) {
    if ids.is_empty() {
        return;
    }
    match notifications::by_ids(db, urls, &ids).await {
        Ok(loaded) => {
            for (recipient, notification) in loaded {
                broker.notification(recipient, &notification);
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not load notifications for live delivery"),
    }
}

/// The stored streams, as live sockets read them.
pub struct History {
    db: Db,
    blobs: Arc<dyn BlobStore>,
}

impl History {
    pub fn new(db: Db, blobs: Arc<dyn BlobStore>) -> Self {
        Self { db, blobs }
    }
}

impl Backlog for History {
    fn latest_seq(&self, user: UserId) -> BoxFuture<'_, Result<i64, ApiError>> {
        Box::pin(notifications::latest_seq(&self.db, user))
    }

    fn between(
        &self,
        user: UserId,
        after: i64,
        up_to: i64,
        limit: i64,
    ) -> BoxFuture<'_, Result<Vec<Notification>, ApiError>> {
        Box::pin(notifications::in_stream(
            &self.db,
            &*self.blobs,
            user,
            after,
            up_to,
            limit,
        ))
    }
}
