//! `/uploads`: the stored files, served as immutable static content.

use std::path::Path;

use axum::http::{header, HeaderValue, Response, StatusCode};
use axum::response::IntoResponse;
use axum::routing::any;
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::http::error::error_response;

/// Serves the files under `dir`. A key never changes content (every upload
/// gets a new random name), so found files may be cached for a year; the
/// type comes from the extension, which we chose, and `nosniff` stops
/// browsers from guessing another. Missing files and directories are 404.
pub fn uploads_service(dir: &Path) -> Router {
    let files = ServeDir::new(dir)
        .append_index_html_on_directories(false)
        .not_found_service(any(not_found));
    Router::new()
        .fallback_service(files)
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            cache_control::<axum::body::Body>,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
}

/// Long-lived caching for content only; an error may stop being one.
fn cache_control<B>(response: &Response<B>) -> Option<HeaderValue> {
    let status = response.status();
    (status.is_success() || status == StatusCode::NOT_MODIFIED)
        .then(|| HeaderValue::from_static("public, max-age=31536000, immutable"))
}

async fn not_found() -> impl IntoResponse {
    error_response(StatusCode::NOT_FOUND, "not_found", "no such file")
}
