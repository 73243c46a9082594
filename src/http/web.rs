//! The web front end: the files under `static/`, with the headers that keep
//! them safe and fresh.
//!
//! Every path that is neither an API route nor a file gets `index.html`, so
//! the browser app's own routes (`/u/ana`, `/p/7`) survive a reload.

use std::path::Path;

use axum::http::{header, HeaderName, HeaderValue};
use axum::Router;
use tower::ServiceBuilder;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// Scripts, styles and connections only from our own origin; images also
/// from `data:` and `blob:` (blurhash placeholders and upload previews).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; connect-src 'self'; \
     img-src 'self' data: blob:; style-src 'self'; script-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The static front end, served from `dir`, as a router for
/// `Router::fallback_service`.
///
/// `Cache-Control: no-cache` makes browsers revalidate every file
/// (`If-Modified-Since`, answered with `304` when unchanged), so an upgrade is
/// never hidden behind a stale script, without any build step to fingerprint
/// file names.
pub fn front_end(dir: &Path) -> Router {
    let files = ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")));
    let fixed = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    Router::new().fallback_service(files).layer(
        ServiceBuilder::new()
            .layer(fixed(header::CACHE_CONTROL, "no-cache"))
            .layer(fixed(
                header::CONTENT_SECURITY_POLICY,
                CONTENT_SECURITY_POLICY,
            ))
            .layer(fixed(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .layer(fixed(header::REFERRER_POLICY, "same-origin")),
    )
}
