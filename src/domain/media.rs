//! Stored files as clients reach them.

/// Turns the key of a stored file into the URL a client fetches it from.
/// Implemented by the blob store in use (`media::BlobStore`), so a URL is
/// never assembled from a fixed prefix elsewhere.
pub trait MediaUrls: Send + Sync {
    fn url(&self, key: &str) -> String;
}
