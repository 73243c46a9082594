//! The web front end: the files of `static/`, built into the binary (or read
//! from `STATIC_DIR` while working on the front end), with the headers that
//! keep them safe and fresh.
//!
//! Every path that is neither an API route nor a file gets `index.html`, so
//! the browser app's own routes (`/u/ana`, `/p/7`) survive a reload.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tower::ServiceBuilder;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::domain::error::{ApiError, ApiResult};
use crate::http::error::error_response;

/// Scripts, styles and connections only from our own origin; images also
/// from `data:` and `blob:` (blurhash placeholders and upload previews).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; connect-src 'self'; \
     img-src 'self' data: blob:; style-src 'self'; script-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The policy for a server whose media URLs start with `media_base_url`:
/// a bucket or CDN on another origin is allowed in `img-src` too.
pub fn content_security_policy(media_base_url: &str) -> HeaderValue {
    let origin = media_base_url.find("://").map(|scheme_end| {
        let host_start = scheme_end + 3;
        let end = media_base_url[host_start..]
            .find('/')
            .map_or(media_base_url.len(), |i| host_start + i);
        &media_base_url[..end]
    });
    let policy = match origin {
        Some(origin) => CONTENT_SECURITY_POLICY.replacen(
            "img-src 'self'",
            &format!("img-src 'self' {origin}"),
            1,
        ),
        None => CONTENT_SECURITY_POLICY.to_owned(),
    };
    // The configuration admits printable ASCII only, so this always parses.
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static(CONTENT_SECURITY_POLICY))
}

/// The files of `static/` as they were when the binary was built.
#[derive(rust_embed::Embed)]
#[folder = "static/"]
struct Embedded;

/// Where the files come from.
enum Files {
    Embedded,
    /// Read on every request, so an edit shows on the next reload.
    Disk(PathBuf),
}

/// One file, ready to send.
struct Asset {
    bytes: Cow<'static, [u8]>,
    /// A digest of the content: equal exactly when the bytes are.
    etag: String,
    modified: Option<DateTime<Utc>>,
}

/// The front end, from `static_dir` when given and else from the files
/// built into the binary, as a router for `Router::fallback_service`.
///
/// `Cache-Control: no-cache` makes browsers revalidate every file (`ETag`
/// and `If-None-Match`, answered with `304` when unchanged), so an upgrade
/// is never hidden behind a stale script, without any build step to
/// fingerprint file names.
pub fn front_end(static_dir: Option<&Path>, csp: HeaderValue) -> Router {
    let files = match static_dir {
        Some(dir) => Files::Disk(dir.to_path_buf()),
        None => Files::Embedded,
    };
    let fixed = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    Router::new()
        .fallback(serve)
        .with_state(Arc::new(files))
        .layer(
            ServiceBuilder::new()
                .layer(fixed(header::CACHE_CONTROL, "no-cache"))
                .layer(SetResponseHeaderLayer::overriding(
                    header::CONTENT_SECURITY_POLICY,
                    csp,
                ))
                .layer(fixed(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .layer(fixed(header::REFERRER_POLICY, "same-origin")),
        )
}

async fn serve(
    State(files): State<Arc<Files>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if method != Method::GET && method != Method::HEAD {
        let mut response = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "the front end's files only answer GET and HEAD",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Ok(response);
    }
    let mut name = uri.path().trim_start_matches('/').to_owned();
    if name.is_empty() || name.ends_with('/') {
        name.push_str("index.html");
    }
    let (name, asset) = match files.load(&name).await? {
        Some(asset) => (name, asset),
        None => match files.load("index.html").await? {
            Some(asset) => ("index.html".to_owned(), asset),
            None => return Err(ApiError::not_found("the front end's index.html")),
        },
    };
    Ok(asset.respond(&name, &headers))
}

impl Files {
    /// The file at `name` (a path relative to the root, `/`-separated), or
    /// `None` when there is none.
    async fn load(&self, name: &str) -> ApiResult<Option<Asset>> {
        match self {
            Self::Embedded => Ok(Embedded::get(name).map(|file| Asset {
                etag: etag(&file.metadata.sha256_hash()),
                modified: file
                    .metadata
                    .last_modified()
                    .and_then(|secs| i64::try_from(secs).ok())
                    .and_then(|secs| DateTime::from_timestamp(secs, 0)),
                bytes: file.data,
            })),
            Self::Disk(root) => {
                // Plain names only: `..`, roots and prefixes could leave `root`.
                let relative = Path::new(name);
                if !relative
                    .components()
                    .all(|part| matches!(part, Component::Normal(_)))
                {
                    return Ok(None);
                }
                let path = root.join(relative);
                match tokio::fs::metadata(&path).await {
                    Ok(meta) if meta.is_file() => {
                        let bytes = tokio::fs::read(&path)
                            .await
                            .with_context(|| format!("reading {}", path.display()))?;
                        Ok(Some(Asset {
                            etag: etag(&Sha256::digest(&bytes).into()),
                            modified: meta.modified().ok().map(DateTime::<Utc>::from),
                            bytes: Cow::Owned(bytes),
                        }))
                    }
                    Ok(_) => Ok(None),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(anyhow::Error::new(e)
                        .context(format!("reading {}", path.display()))
                        .into()),
                }
            }
        }
    }
}

/// A strong validator from a SHA-256 digest; 128 bits are plenty.
fn etag(sha256: &[u8; 32]) -> String {
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&sha256[..16]))
}

/// The HTTP date format (RFC 9110 §5.6.7).
const HTTP_DATE: &str = "%a, %d %b %Y %H:%M:%S GMT";

impl Asset {
    /// The file, or `304` when the client's copy is current.
    fn respond(self, name: &str, request: &HeaderMap) -> Response {
        let mut headers = HeaderMap::new();
        if let Ok(etag) = HeaderValue::from_str(&self.etag) {
            headers.insert(header::ETAG, etag);
        }
        if let Some(modified) = self.modified {
            if let Ok(date) = HeaderValue::from_str(&modified.format(HTTP_DATE).to_string()) {
                headers.insert(header::LAST_MODIFIED, date);
            }
        }
        if self.is_current(request) {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        headers.insert(header::CONTENT_TYPE, content_type(name));
        let body = match self.bytes {
            Cow::Borrowed(bytes) => Body::from(Bytes::from_static(bytes)),
            Cow::Owned(bytes) => Body::from(bytes),
        };
        (headers, body).into_response()
    }

    /// RFC 9110 §13.2.2: `If-None-Match` decides when present; only
    /// without it does `If-Modified-Since` count.
    fn is_current(&self, request: &HeaderMap) -> bool {
        if let Some(tags) = request.get(header::IF_NONE_MATCH) {
            return tags.to_str().is_ok_and(|tags| {
                tags.split(',')
                    .map(str::trim)
                    .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == self.etag)
            });
        }
        let since = request
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v).ok());
        match (since, self.modified) {
            // HTTP dates have whole seconds.
            (Some(since), Some(modified)) => modified.timestamp() <= since.timestamp(),
            _ => false,
        }
    }
}

/// From the extension, which we chose; text is UTF-8 throughout.
fn content_type(name: &str) -> HeaderValue {
    let essence = mime_guess::from_path(name).first_raw();
    let value = match essence {
        Some(text) if text.starts_with("text/") => format!("{text}; charset=utf-8"),
        Some(other) => other.to_owned(),
        None => "application/octet-stream".to_owned(),
    };
    HeaderValue::from_str(&value)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"))
}
