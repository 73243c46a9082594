//! Deleting stored files so that none outlives its row for good: keys go
//! to the `blob_deletions` queue (in the transaction that drops their rows,
//! or after a deletion failed), and leave it only once the blob store has
//! confirmed. A periodic sweep retries what an outage left behind.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use crate::domain::error::ApiResult;
use crate::media::{BlobFuture, BlobStore, DeletionQueue};
use crate::store::{self, Db};

/// Keys swept per database round trip.
const SWEEP_PAGE: i64 = 100;

/// The database-backed queue the media store hands its failed deletions to.
pub struct PendingDeletions {
    db: Db,
}

impl PendingDeletions {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

impl DeletionQueue for PendingDeletions {
    fn defer(&self, keys: Vec<String>) -> BlobFuture<'_, ()> {
        Box::pin(async move {
            if let Err(e) = store::blob_deletions::queue(&self.db, &keys).await {
                // The store and the database are both down: the one window
                // in which files can be left behind (see the README).
                tracing::error!(error = %e, ?keys, "cannot queue stored files for deletion");
            }
        })
    }
}

/// Deletes files whose keys were queued with their rows' removal, and
/// takes the deleted ones off the queue; the rest wait for the sweep.
pub async fn delete_queued(db: &Db, blobs: &dyn BlobStore, keys: Vec<String>) {
    if keys.is_empty() {
        return;
    }
    if let Err(e) = delete_and_forget(db, blobs, keys).await {
        // Harmless: the sweep deletes them again (a missing file counts as deleted).
        tracing::warn!(error = %e, "cannot take deleted files off the queue");
    }
}

/// Deletes `keys` from the blob store and takes those it confirmed off the
/// queue; answers how many that was.
async fn delete_and_forget(db: &Db, blobs: &dyn BlobStore, keys: Vec<String>) -> ApiResult<usize> {
    let failed: HashSet<String> = blobs.delete(keys.clone()).await.into_iter().collect();
    let deleted: Vec<String> = keys.into_iter().filter(|k| !failed.contains(k)).collect();
    store::blob_deletions::forget(db, &deleted).await?;
    Ok(deleted.len())
}

/// Tries every queued deletion once; answers how many files were deleted.
pub async fn sweep(db: &Db, blobs: &dyn BlobStore) -> ApiResult<usize> {
    let mut after = String::new();
    let mut deleted = 0;
    loop {
        let keys = store::blob_deletions::page(db, &after, SWEEP_PAGE).await?;
        let Some(last) = keys.last().cloned() else {
            return Ok(deleted);
        };
        deleted += delete_and_forget(db, blobs, keys).await?;
        after = last;
    }
}

/// Sweeps every `interval` until the pool closes (shutdown).
pub fn spawn_sweeper(db: Db, blobs: Arc<dyn BlobStore>, interval: Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if db.is_closed() {
                return;
            }
            match sweep(&db, &*blobs).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(files = n, "deleted stored files left by an outage"),
                Err(e) => tracing::warn!(error = %e, "sweeping queued file deletions failed"),
            }
        }
    });
}
