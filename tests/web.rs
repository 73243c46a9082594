//! The web front end's files: served with the headers that keep them safe
//! (CSP, nosniff, referrer policy) and fresh (revalidated on every use), with
//! the app's own routes falling back to `index.html` and `/api` left alone.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use common::{Backend, TestApp};
use reqwest::{header, StatusCode};

async fn app() -> TestApp {
    TestApp::spawn(Backend::Sqlite, &[])
        .await
        .expect("SQLite is always available")
}

fn assert_front_end_headers(response: &reqwest::Response) {
    let headers = response.headers();
    let value = |name: header::HeaderName| {
        headers
            .get(&name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{name} missing on {}", response.url()))
            .to_owned()
    };
    assert_eq!(value(header::CACHE_CONTROL), "no-cache");
    assert_eq!(value(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(value(header::REFERRER_POLICY), "same-origin");
    let csp = value(header::CONTENT_SECURITY_POLICY);
    for directive in [
        "default-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data: blob:",
        "style-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "CSP {csp:?} lacks {directive:?}");
    }
    assert!(
        !csp.contains("unsafe"),
        "CSP must not allow anything unsafe: {csp}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_assets_carry_security_and_cache_headers() {
    let app = app().await;
    for (path, content_type) in [
        ("/", "text/html"),
        ("/js/app.js", "text/javascript"),
        ("/css/app.css", "text/css"),
        ("/favicon.svg", "image/svg+xml"),
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let served = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
        assert!(served.starts_with(content_type), "{path}: {served}");
        assert_front_end_headers(&response);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_routes_fall_back_to_the_page_and_api_stays_json() {
    let app = app().await;
    let index = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for path in ["/u/ana", "/p/7", "/tags/sunset", "/settings"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_front_end_headers(&response);
        assert_eq!(response.text().await.unwrap(), index, "{path}");
    }

    let response = app.client.get(app.url("/api/nope")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unchanged_files_revalidate_with_304() {
    let app = app().await;
    let first = app.client.get(app.url("/js/app.js")).send().await.unwrap();
    let modified = first.headers()[header::LAST_MODIFIED].clone();
    let again = app
        .client
        .get(app.url("/js/app.js"))
        .header(header::IF_MODIFIED_SINCE, modified)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_page_has_inline_scripts_or_styles() {
    let html = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/static/index.html"))
        .expect("static/index.html");
    let lower = html.to_lowercase();
    for forbidden in [" style=", "<style", "javascript:"] {
        assert!(
            !lower.contains(forbidden),
            "index.html contains {forbidden:?}"
        );
    }
    // No event-handler attributes (` onload=`, ` onerror=`…).
    for (at, _) in lower.match_indices(" on") {
        let name: String = lower[at + 3..]
            .chars()
            .take_while(char::is_ascii_lowercase)
            .collect();
        let after = &lower[at + 3 + name.len()..];
        assert!(
            name.is_empty() || !after.starts_with('='),
            "index.html has an inline handler on{name}"
        );
    }
    for script in html.match_indices("<script") {
        let tag_end = html[script.0..].find('>').unwrap() + script.0;
        assert!(
            html[script.0..tag_end].contains(" src="),
            "inline script in index.html"
        );
    }
}

/// User content must only ever reach the page as text: no script of the
/// front end may use an API that parses HTML or evaluates strings.
#[test]
fn front_end_code_never_parses_html() {
    fn scripts(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read static/js") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                scripts(&path, out);
            } else if path.extension().is_some_and(|e| e == "js") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    scripts(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/static/js")),
        &mut files,
    );
    assert!(files.len() > 10, "front-end scripts not found");
    for file in files {
        let code = std::fs::read_to_string(&file).expect("read script");
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "createContextualFragment",
            "DOMParser",
            "eval(",
            "new Function",
            "setAttribute('style'",
        ] {
            assert!(!code.contains(sink), "{} uses {sink}", file.display());
        }
    }
}
