//! Where stored files live: the seam between the media pipeline and its
//! storage. [`LocalDisk`] keeps them under `UPLOAD_DIR`, served from
//! `/uploads`; `S3Bucket` (in `s3.rs`) keeps them in a bucket.

use std::future::Future;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::pin::Pin;

use anyhow::Context;

use super::random_name;
use crate::domain::error::{ApiError, ApiResult};
use crate::domain::MediaUrls;

/// A boxed future, so the trait stays object-safe.
pub type BlobFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Stores whole files by key. Keys are ours (random names), never a client's.
pub trait BlobStore: MediaUrls {
    /// Stores `data` under `key`, all or nothing. An unreachable store is
    /// `ApiError::Unavailable` (503).
    fn put<'a>(&'a self, key: &'a str, data: Vec<u8>) -> BlobFuture<'a, ApiResult<()>>;

    /// Deletes files; one already gone counts as deleted. Answers the keys
    /// that could not be deleted (logged), so they can be retried.
    fn delete(&self, keys: Vec<String>) -> BlobFuture<'_, Vec<String>>;
}

/// Files on the local disk, served by this process under `/uploads/`
/// (or from wherever `MEDIA_BASE_URL` says the same files are served).
pub struct LocalDisk {
    dir: PathBuf,
    base_url: String,
}

impl LocalDisk {
    pub fn new(dir: PathBuf, base_url: String) -> Self {
        Self { dir, base_url }
    }
}

impl MediaUrls for LocalDisk {
    fn url(&self, key: &str) -> String {
        format!("{}/{key}", self.base_url)
    }
}

impl BlobStore for LocalDisk {
    fn put<'a>(&'a self, key: &'a str, data: Vec<u8>) -> BlobFuture<'a, ApiResult<()>> {
        let path = self.dir.join(key);
        let safe = is_safe_key(key);
        Box::pin(async move {
            if !safe {
                return Err(ApiError::Internal(anyhow::anyhow!(
                    "refused to store a key outside the upload directory"
                )));
            }
            let shown = path.display().to_string();
            let written = tokio::task::spawn_blocking(move || write_atomically(&path, &data))
                .await
                .context("writing a stored file panicked")?;
            Ok(written.with_context(|| format!("storing {shown}"))?)
        })
    }

    fn delete(&self, keys: Vec<String>) -> BlobFuture<'_, Vec<String>> {
        let mut paths = Vec::new();
        for key in keys {
            if is_safe_key(&key) {
                paths.push((self.dir.join(&key), key));
            } else {
                tracing::warn!(key, "refused to remove a key outside the upload directory");
            }
        }
        Box::pin(async move {
            if paths.is_empty() {
                return Vec::new();
            }
            let keys: Vec<String> = paths.iter().map(|(_, key)| key.clone()).collect();
            let removal = tokio::task::spawn_blocking(move || {
                let mut failed = Vec::new();
                for (path, key) in paths {
                    match std::fs::remove_file(&path) {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                            tracing::debug!(key, "stored file already gone");
                        }
                        Err(e) => {
                            tracing::warn!(key, error = %e, "cannot remove stored file");
                            failed.push(key);
                        }
                    }
                }
                failed
            });
            removal.await.unwrap_or_else(|e| {
                tracing::error!(error = %e, "removing stored files panicked");
                keys
            })
        })
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
