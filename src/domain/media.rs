//! Stored files as clients reach them.

/// Turns the key of a stored file into the URL a client fetches it from.
/// Implemented by the blob store in use (`media::BlobStore`), so a URL is
/// never assembled from a fixed prefix elsewhere.
pub trait MediaUrls: Send + Sync {
    fn url(&self, key: &str) -> String;
}

/// A stored post image: the display version, its square thumbnail and,
/// when the display version is wider than that, a medium one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    pub image_key: String,
    pub thumb_key: String,
    pub medium_key: Option<String>,
    /// Size of the display version, upright.
    pub width: u32,
    pub height: u32,
    pub blurhash: String,
}

impl StoredImage {
    /// Every key, to remove the files with.
    pub fn keys(&self) -> Vec<String> {
        [&self.image_key, &self.thumb_key]
            .into_iter()
            .chain(&self.medium_key)
            .cloned()
            .collect()
    }
}

/// The key of the small version of the avatar stored under `key`. Avatars
/// stored since the small version exists live under `a2/`, the small one
/// beside the full one as `…_s.jpg`; older ones (under `a/`) have none.
pub fn small_avatar_key(key: &str) -> Option<String> {
    key.strip_prefix("a2/")
        .and_then(|rest| rest.strip_suffix(".jpg"))
        .map(|stem| format!("a2/{stem}_s.jpg"))
}

/// Every file of the avatar stored under `key`.
pub fn avatar_keys(key: String) -> Vec<String> {
    let small = small_avatar_key(&key);
    std::iter::once(key).chain(small).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_avatars_stored_with_a_small_version_name_one() {
        let cases = [
            ("a2/3f/3f9c.jpg", Some("a2/3f/3f9c_s.jpg")),
            ("a/3f/3f9c.jpg", None),
            ("p/3f/3f9c.jpg", None),
        ];
        for (key, small) in cases {
            assert_eq!(small_avatar_key(key).as_deref(), small, "{key}");
        }
    }
}
