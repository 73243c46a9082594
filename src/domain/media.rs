//! Stored files as clients reach them.

/// Turns the key of a stored file into the URL a client fetches it from.
/// Implemented by the blob store in use (`media::BlobStore`), so a URL is
/// never assembled from a fixed prefix elsewhere.
pub trait MediaUrls: Send + Sync {
    fn url(&self, key: &str) -> String;
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
    /// Both keys, to remove the files with.
    pub fn keys(&self) -> [String; 2] {
        [self.image_key.clone(), self.thumb_key.clone()]
    }
}
