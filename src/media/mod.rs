//! Stored media: uploaded images are checked, re-encoded and handed to a
//! [`BlobStore`] under names of our choosing; the blob store also says the
//! URL a client fetches each file from.
//!
//! Keys are relative paths, such as `p/3f/3f9c…e1.jpg`:
//! `p/` holds post images (`…_t.jpg` is the thumbnail, `…_m.jpg` the
//! medium version), `a2/` avatars with their small version beside them
//! (`…_s.jpg`; `a/` holds older avatars, which have none), and the
//! two-hex-digit shard keeps directories small. Nothing the client sends
//! ever becomes part of a path.

mod blob;
mod process;
mod s3;
mod spool;

use std::num::NonZeroUsize;
use std::sync::Arc;

use anyhow::Context;
use tokio::sync::Semaphore;

use crate::domain::error::ApiError;
use crate::domain::media::small_avatar_key;
pub use crate::domain::media::StoredImage;

pub use blob::{BlobFuture, BlobStore, LocalDisk};
pub use process::{
    DISPLAY_MAX_SIDE, MAX_PIXELS, MAX_SIDE, MEDIUM_WIDTH, SMALL_AVATAR_SIDE, SQUARE_SIDE,
};
pub use s3::S3Bucket;
pub use spool::{SpooledImage, Spooler, UploadBudget};

/// Keeps the keys of files that could not be deleted (the store was
/// unreachable), so that a later sweep deletes them: no file outlives its
/// row for good. Implemented over the database by the services.
pub trait DeletionQueue: Send + Sync {
    fn defer(&self, keys: Vec<String>) -> BlobFuture<'_, ()>;
}

/// Checks, converts and stores uploaded images. Cheap to clone.
#[derive(Clone)]
pub struct MediaStore {
    blobs: Arc<dyn BlobStore>,
    deferred: Arc<dyn DeletionQueue>,
    max_image_bytes: usize,
    /// Bytes of uploads held at once, from the first byte received until
    /// processed.
    uploads: UploadBudget,
    /// One permit per core: decoding is CPU-bound, and more concurrent work
    /// would only queue on the blocking pool while holding its memory.
    cpu: Arc<Semaphore>,
}

impl MediaStore {
    /// Files go to `blobs`, those that cannot be deleted to `deferred`;
    /// uploads over `max_image_bytes` are refused.
    pub fn new(
        blobs: Arc<dyn BlobStore>,
        deferred: Arc<dyn DeletionQueue>,
        max_image_bytes: usize,
    ) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        Self {
            blobs,
            deferred,
            max_image_bytes,
            uploads: UploadBudget::new(usize::MAX),
            cpu: Arc::new(Semaphore::new(cores)),
        }
    }

    /// Bounds the upload bytes held at once (`UPLOAD_MEMORY_BUDGET`).
    pub fn with_upload_budget(mut self, bytes: usize) -> Self {
        self.uploads = UploadBudget::new(bytes);
        self
    }

    /// Starts receiving one uploaded image into a temporary file.
    pub async fn spool(&self) -> Result<Spooler, ApiError> {
        self.uploads.spool().await
    }

    pub fn max_image_bytes(&self) -> usize {
        self.max_image_bytes
    }

    /// Accepts a JPEG, PNG, WebP or GIF (first frame) post image and stores
    /// an upright JPEG display version (long side at most
    /// [`DISPLAY_MAX_SIDE`], never enlarged), a [`SQUARE_SIDE`] square
    /// thumbnail and, for a display version wider than [`MEDIUM_WIDTH`], a
    /// medium version that wide, all without metadata.
    ///
    /// 413 `too_large` over `MAX_IMAGE_BYTES`; 415 `unsupported_media_type`
    /// for anything else we will not take: an unknown format, an undecodable
    /// file, or more than [`MAX_SIDE`] pixels a side or [`MAX_PIXELS`] in all.
    pub async fn store_post_image(
        &self,
        image: impl Into<SpooledImage>,
    ) -> Result<StoredImage, ApiError> {
        let mut image = image.into();
        self.check_byte_size(image.len())?;
        let processed = self
            .on_cpu(move || process::post_image(&image.read()?))
            .await?;
        let name = random_name();
        let image_key = format!("p/{}/{name}.jpg", &name[..2]);
        let thumb_key = format!("p/{}/{name}_t.jpg", &name[..2]);
        let medium_key = processed
            .medium
            .is_some()
            .then(|| format!("p/{}/{name}_m.jpg", &name[..2]));
        let mut files = vec![
            (image_key.clone(), processed.display),
            (thumb_key.clone(), processed.thumbnail),
        ];
        files.extend(medium_key.clone().zip(processed.medium));
        self.write(files).await?;
        Ok(StoredImage {
            image_key,
            thumb_key,
            medium_key,
            width: processed.width,
            height: processed.height,
            blurhash: processed.blurhash,
        })
    }

    /// Like [`Self::store_post_image`], but stores only a [`SQUARE_SIDE`]
    /// square avatar cut from the centre and its [`SMALL_AVATAR_SIDE`]
    /// version; returns the key of the first (the second's follows from it:
    /// `domain::media::small_avatar_key`).
    pub async fn store_avatar(&self, image: impl Into<SpooledImage>) -> Result<String, ApiError> {
        let mut image = image.into();
        self.check_byte_size(image.len())?;
        let avatar = self.on_cpu(move || process::avatar(&image.read()?)).await?;
        let name = random_name();
        let key = format!("a2/{}/{name}.jpg", &name[..2]);
        let small = small_avatar_key(&key).context("an avatar key names its small version")?;
        self.write(vec![(key.clone(), avatar.square), (small, avatar.small)])
            .await?;
        Ok(key)
    }

    /// Deletes stored files; those that cannot be deleted now are queued
    /// for a later sweep. Never fails the caller.
    pub async fn remove(&self, keys: impl IntoIterator<Item = String>) {
        let keys: Vec<String> = keys.into_iter().collect();
        if keys.is_empty() {
            return;
        }
        let failed = self.blobs.delete(keys).await;
        if !failed.is_empty() {
            self.deferred.defer(failed).await;
        }
    }

    fn check_byte_size(&self, len: usize) -> Result<(), ApiError> {
        if len > self.max_image_bytes {
            return Err(ApiError::too_large(format!(
                "the image is {len} bytes; at most {} are accepted",
                self.max_image_bytes
            )));
        }
        Ok(())
    }

    /// Runs CPU-heavy `work` on the blocking pool, at most one job per core.
    async fn on_cpu<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = Arc::clone(&self.cpu)
            .acquire_owned()
            .await
            .context("the image semaphore is closed")?;
        tokio::task::spawn_blocking(move || {
            let result = work();
            drop(permit);
            result
        })
        .await
        .context("image processing panicked")?
    }

    /// Stores each file; on any failure removes what was written.
    async fn write(&self, files: Vec<(String, Vec<u8>)>) -> Result<(), ApiError> {
        let mut written = Vec::with_capacity(files.len());
        for (key, data) in files {
            if let Err(e) = self.blobs.put(&key, data).await {
                written.push(key);
                self.remove(written).await;
                return Err(e);
            }
            written.push(key);
        }
        Ok(())
    }
}

/// 128 random bits in hex: unguessable and collision-free in practice.
fn random_name() -> String {
    format!("{:032x}", rand::random::<u128>())
}
