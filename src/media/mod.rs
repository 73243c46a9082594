//! Stored media: where files live and the URLs they are served at.

/// The URL path of a stored file, given its key under `UPLOAD_DIR`.
pub fn public_url(key: &str) -> String {
    format!("/uploads/{key}")
}
