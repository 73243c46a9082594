//! Stored media: uploaded images are checked, re-encoded and written under
//! `UPLOAD_DIR` with names of our choosing, and served from `/uploads`.
//!
//! Keys are paths relative to `UPLOAD_DIR`, such as `p/3f/3f9c…e1.jpg`:
//! `p/` holds post images (`…_t.jpg` is the thumbnail), `a/` avatars, and the
//! two-hex-digit shard keeps directories small. Nothing the client sends
//! ever becomes part of a path.

mod process;
mod serve;

use std::io::Write;
use std::num::NonZeroUsize;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use axum::body::Bytes;
use tokio::sync::Semaphore;

use crate::domain::error::ApiError;

pub use process::{DISPLAY_MAX_SIDE, MAX_PIXELS, MAX_SIDE, SQUARE_SIDE};
pub use serve::uploads_service;

/// The URL path of a stored file, given its key under `UPLOAD_DIR`.
pub fn public_url(key: &str) -> String {
    format!("/uploads/{key}")
}

/// Checks, converts and stores uploaded images. Cheap to clone.
#[derive(Clone)]
pub struct MediaStore {
    dir: PathBuf,
    max_image_bytes: usize,
    /// One permit per core: decoding is CPU-bound, and more concurrent work
    /// would only queue on the blocking pool while holding its memory.
    cpu: Arc<Semaphore>,
}

/// A stored post image: the display version and its square thumbnail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    pub image_key: String,
    pub thumb_key: String,
    /// Size of the display version, upright.
    pub width: u32,
    pub height: u32,
    pub blurhash: String,
}

impl StoredImage {
    /// Both keys, for [`MediaStore::remove`].
    pub fn keys(&self) -> [String; 2] {
        [self.image_key.clone(), self.thumb_key.clone()]
    }
}

impl MediaStore {
    /// `dir` is `UPLOAD_DIR`; uploads over `max_image_bytes` are refused.
    pub fn new(dir: PathBuf, max_image_bytes: usize) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        Self {
            dir,
            max_image_bytes,
            cpu: Arc::new(Semaphore::new(cores)),
        }
    }

    pub fn max_image_bytes(&self) -> usize {
        self.max_image_bytes
    }

    /// Accepts a JPEG, PNG, WebP or GIF (first frame) post image and stores
    /// an upright JPEG display version (long side at most
    /// [`DISPLAY_MAX_SIDE`], never enlarged) and a [`SQUARE_SIDE`] square
    /// thumbnail, both without metadata.
    ///
    /// 413 `too_large` over `MAX_IMAGE_BYTES`; 415 `unsupported_media_type`
    /// for anything else we will not take: an unknown format, an undecodable
    /// file, or more than [`MAX_SIDE`] pixels a side or [`MAX_PIXELS`] in all.
    pub async fn store_post_image(&self, bytes: Bytes) -> Result<StoredImage, ApiError> {
        self.check_byte_size(&bytes)?;
        let processed = self.on_cpu(move || process::post_image(&bytes)).await?;
        let name = random_name();
        let image_key = format!("p/{}/{name}.jpg", &name[..2]);
        let thumb_key = format!("p/{}/{name}_t.jpg", &name[..2]);
        self.write(vec![
            (image_key.clone(), processed.display),
            (thumb_key.clone(), processed.thumbnail),
        ])
        .await?;
        Ok(StoredImage {
            image_key,
            thumb_key,
            width: processed.width,
            height: processed.height,
            blurhash: processed.blurhash,
        })
    }

    /// Like [`Self::store_post_image`], but stores only a [`SQUARE_SIDE`]
    /// square avatar cut from the centre; returns its key.
    pub async fn store_avatar(&self, bytes: Bytes) -> Result<String, ApiError> {
        self.check_byte_size(&bytes)?;
        let avatar = self.on_cpu(move || process::avatar(&bytes)).await?;
        let name = random_name();
        let key = format!("a/{}/{name}.jpg", &name[..2]);
        self.write(vec![(key.clone(), avatar)]).await?;
        Ok(key)
    }

    /// Deletes stored files, best effort: failures are logged, never
    /// returned, and keys that could reach outside `UPLOAD_DIR` are refused.
    pub async fn remove(&self, keys: impl IntoIterator<Item = String>) {
        let mut paths = Vec::new();
        for key in keys {
            if is_safe_key(&key) {
                paths.push((self.dir.join(&key), key));
            } else {
                tracing::warn!(key, "refused to remove a key outside the upload directory");
            }
        }
        if paths.is_empty() {
            return;
        }
        let removal = tokio::task::spawn_blocking(move || {
            for (path, key) in paths {
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        tracing::debug!(key, "stored file already gone");
                    }
                    Err(e) => tracing::warn!(key, error = %e, "cannot remove stored file"),
                }
            }
        });
        if let Err(e) = removal.await {
            tracing::error!(error = %e, "removing stored files panicked");
        }
    }

    fn check_byte_size(&self, bytes: &[u8]) -> Result<(), ApiError> {
        if bytes.len() > self.max_image_bytes {
            return Err(ApiError::too_large(format!(
                "the image is {} bytes; at most {} are accepted",
                bytes.len(),
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

    /// Writes each file atomically; on any failure removes what was written.
    async fn write(&self, files: Vec<(String, Vec<u8>)>) -> Result<(), ApiError> {
        let dir = self.dir.clone();
        let keys: Vec<String> = files.iter().map(|(key, _)| key.clone()).collect();
        let written = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            for (key, data) in &files {
                write_atomically(&dir.join(key), data)
                    .with_context(|| format!("storing {}", dir.join(key).display()))?;
            }
            Ok(())
        })
        .await
        .context("writing stored files panicked")
        .and_then(|result| result);
        if let Err(e) = written {
            self.remove(keys).await;
            return Err(e.into());
        }
        Ok(())
    }
}

/// Writes to a temporary name beside `path`, flushes to disk, then renames:
/// readers see the whole file or none.
fn write_atomically(path: &Path, data: &[u8]) -> anyhow::Result<()> {
    let parent = path.parent().context("a stored file has no directory")?;
    std::fs::create_dir_all(parent).context("creating the directory")?;
    let temp = parent.join(format!(".{}.tmp", random_name()));
    let result = (|| {
        let mut file = std::fs::File::create_new(&temp).context("creating the file")?;
        file.write_all(data).context("writing")?;
        file.sync_all().context("flushing")?;
        std::fs::rename(&temp, path).context("renaming into place")
    })();
    if result.is_err() {
        // The temporary file may not exist; nothing more to do either way.
        let _ = std::fs::remove_file(&temp);
    }
    result?;
    // Make the rename itself durable; a directory that cannot be opened for
    // that (some platforms) is not worth failing the upload for.
    if let Ok(directory) = std::fs::File::open(parent) {
        if let Err(e) = directory.sync_all() {
            tracing::debug!(error = %e, "cannot sync the upload directory");
        }
    }
    Ok(())
}

/// 128 random bits in hex: unguessable and collision-free in practice.
fn random_name() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// A key may only name something below the upload directory.
fn is_safe_key(key: &str) -> bool {
    !key.is_empty()
        && Path::new(key)
            .components()
            .all(|part| matches!(part, Component::Normal(_)))
}

#[cfg(test)]
mod tests {
    use super::is_safe_key;

    #[test]
    fn keys_cannot_leave_the_upload_directory() {
        assert!(is_safe_key("p/ab/abcdef.jpg"));
        assert!(!is_safe_key(""));
        assert!(!is_safe_key("../secret"));
        assert!(!is_safe_key("p/../../secret"));
        assert!(!is_safe_key("/etc/passwd"));
        assert!(!is_safe_key("./p/ab/x.jpg"));
    }
}
