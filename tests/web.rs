//! The web front end's files: built into the binary (or read from
//! `STATIC_DIR`), served with the headers that keep them safe (CSP, nosniff,
//! referrer policy) and fresh (revalidated on every use), with the app's own
//! routes falling back to `index.html` and `/api` left alone.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use common::binary::Server;
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
async fn text_leaves_compressed_in_the_encoding_the_client_takes() {
    let app = app().await;
    let paths = ["/", "/js/app.js", "/css/app.css", "/api/openapi.json"];
    let cases = [
        ("br", Some("br")),
        ("gzip", Some("gzip")),
        ("gzip, deflate, br", Some("br")),
        ("identity", None),
    ];
    for path in paths {
        let plain = app.client.get(app.url(path)).send().await.unwrap();
        assert!(
            plain.headers().get(header::CONTENT_ENCODING).is_none(),
            "{path}"
        );
        let plain_len = plain.bytes().await.unwrap().len();
        for (accepted, expected) in cases {
            let response = app
                .client
                .get(app.url(path))
                .header(header::ACCEPT_ENCODING, accepted)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let encoding = response
                .headers()
                .get(header::CONTENT_ENCODING)
                .map(|v| v.to_str().unwrap().to_owned());
            assert_eq!(encoding.as_deref(), expected, "{path} for {accepted:?}");
            let sent = response.bytes().await.unwrap().len();
            if expected.is_some() {
                assert!(
                    sent * 2 < plain_len,
                    "{path} {accepted}: {sent} of {plain_len} bytes"
                );
            }
        }
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

fn source(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("static")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Asks for `url` again with `validator` set to `value` and returns the status.
async fn revalidate(
    client: &reqwest::Client,
    url: &str,
    validator: header::HeaderName,
    value: &str,
) -> StatusCode {
    let response = client
        .get(url)
        .header(validator, value)
        .send()
        .await
        .unwrap();
    let status = response.status();
    if status == StatusCode::NOT_MODIFIED {
        assert!(
            response.bytes().await.unwrap().is_empty(),
            "{url}: 304 with a body"
        );
    }
    status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unchanged_files_revalidate_with_304() {
    let app = app().await;
    let url = app.url("/js/app.js");
    let first = app.client.get(&url).send().await.unwrap();
    let etag = first.headers()[header::ETAG].to_str().unwrap().to_owned();
    let modified = first.headers()[header::LAST_MODIFIED]
        .to_str()
        .unwrap()
        .to_owned();
    let weak = format!("W/{etag}");
    let listed = format!("\"stale\", {etag}");
    for (validator, value, expected) in [
        (
            header::IF_NONE_MATCH,
            etag.as_str(),
            StatusCode::NOT_MODIFIED,
        ),
        (
            header::IF_NONE_MATCH,
            weak.as_str(),
            StatusCode::NOT_MODIFIED,
        ),
        (
            header::IF_NONE_MATCH,
            listed.as_str(),
            StatusCode::NOT_MODIFIED,
        ),
        (header::IF_NONE_MATCH, "*", StatusCode::NOT_MODIFIED),
        (header::IF_NONE_MATCH, "\"stale\"", StatusCode::OK),
        (
            header::IF_MODIFIED_SINCE,
            modified.as_str(),
            StatusCode::NOT_MODIFIED,
        ),
        (
            header::IF_MODIFIED_SINCE,
            "Thu, 01 Jan 1970 00:00:00 GMT",
            StatusCode::OK,
        ),
    ] {
        let status = revalidate(&app.client, &url, validator.clone(), value).await;
        assert_eq!(status, expected, "{validator}: {value}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_shell_answers_get_and_head_only() {
    let app = app().await;
    let head = app.client.head(app.url("/")).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    let response = app.client.post(app.url("/u/ana")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()[header::ALLOW], "GET, HEAD");
    let (_, body) = common::read(response).await;
    assert_eq!(common::error_code(&body), "method_not_allowed");
}

/// The release binary is the whole deployment: started where there is no
/// `static/`, it still serves the front end, from the bytes it carries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_the_front_end_it_carries_from_any_directory() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite:{}", dir.path().join("web.db").display());
    let server = Server::start(&database_url, dir.path(), "server.log").await;
    assert!(!dir.path().join("static").exists());

    for (path, file, content_type) in [
        ("/", "index.html", "text/html"),
        ("/js/app.js", "js/app.js", "text/javascript"),
        ("/css/app.css", "css/app.css", "text/css"),
    ] {
        let url = server.url(path);
        let response = server.client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let served = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
        assert!(served.starts_with(content_type), "{path}: {served}");
        assert_front_end_headers(&response);
        let etag = response.headers()[header::ETAG]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(response.bytes().await.unwrap(), source(file), "{path}");

        let status = revalidate(&server.client, &url, header::IF_NONE_MATCH, &etag).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{path}");
    }
}

/// `STATIC_DIR` is for front-end work: an edit shows on the next request,
/// under a new ETag, without a rebuild.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_dir_serves_the_files_on_disk_as_they_change() {
    let files = tempfile::tempdir().unwrap();
    let site = files.path().join("site");
    std::fs::create_dir_all(site.join("js")).unwrap();
    std::fs::write(site.join("index.html"), "<!doctype html>dev").unwrap();
    std::fs::write(files.path().join("secret.txt"), "not for the web").unwrap();
    let script = site.join("js/app.js");
    std::fs::write(&script, "console.log('before');").unwrap();
    let static_dir = site.display().to_string();
    let app = TestApp::spawn(Backend::Sqlite, &[("STATIC_DIR", &static_dir)])
        .await
        .unwrap();

    let url = app.url("/js/app.js");
    let before = app.client.get(&url).send().await.unwrap();
    assert_front_end_headers(&before);
    let etag = before.headers()[header::ETAG].to_str().unwrap().to_owned();
    assert_eq!(before.text().await.unwrap(), "console.log('before');");

    std::fs::write(&script, "console.log('after');").unwrap();
    let after = app
        .client
        .get(&url)
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.status(),
        StatusCode::OK,
        "a changed file is sent again"
    );
    assert_ne!(after.headers()[header::ETAG].to_str().unwrap(), etag);
    assert!(after.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert_eq!(after.text().await.unwrap(), "console.log('after');");

    for path in ["/u/ana", "/js/missing.js"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            response.text().await.unwrap(),
            "<!doctype html>dev",
            "{path}"
        );
    }
    // Sent raw: an HTTP client would resolve the `..` before sending.
    for path in ["/../secret.txt", "/js/../../secret.txt"] {
        let answer = raw_get(app.addr, path).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{path}: {answer}");
        assert!(answer.ends_with("<!doctype html>dev"), "{path}: {answer}");
    }
}

/// The whole answer to a `GET` of `path` exactly as written.
async fn raw_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn static_dir_without_an_index_stops_the_start_up() {
    let empty = tempfile::tempdir().unwrap();
    let config = shutterbug::Config::from_lookup(|key| match key {
        "STATIC_DIR" => Some(empty.path().display().to_string()),
        "DATABASE_URL" => Some(format!("sqlite:{}", empty.path().join("db").display())),
        "DATA_DIR" => Some(empty.path().join("data").display().to_string()),
        "UPLOAD_DIR" => Some(empty.path().join("uploads").display().to_string()),
        _ => None,
    })
    .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let error = runtime.block_on(shutterbug::build(config)).err().unwrap();
    assert!(error.to_string().contains("STATIC_DIR"), "{error}");
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

/// Traffic and session counts are for the operator: the binary serves
/// `/metrics` only on the listener `METRICS_ADDR` names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_metrics_only_at_metrics_addr() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite:{}", dir.path().join("web.db").display());
    let metrics_addr = format!("127.0.0.1:{}", common::binary::free_port());
    let server = Server::start_with(
        &database_url,
        dir.path(),
        "server.log",
        &[("METRICS_ADDR", &metrics_addr)],
    )
    .await;
    let public = server
        .client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert!(!public
        .text()
        .await
        .unwrap()
        .contains("shutterbug_http_requests_total"));
    let scraped = server
        .client
        .get(format!("http://{metrics_addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(scraped.status(), StatusCode::OK);
    let text = scraped.text().await.unwrap();
    assert!(text.contains("shutterbug_http_requests_total"), "{text}");
}

/// Nagle's algorithm would hold a file's body, sent after its headers, until
/// the client's delayed ACK (about 40 ms); the server sets TCP_NODELAY.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_not_held_back_on_a_keep_alive_connection() {
    let app = app().await;
    let ana = app.register("ana").await;
    let post = app.post_photo(&ana, "").await;
    let thumbnail = post["media"][0]["thumbnail_url"]
        .as_str()
        .unwrap()
        .to_owned();
    // One connection, kept alive, as a browser fetches a page's files.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .unwrap();
    for path in ["/js/app.js", thumbnail.as_str()] {
        let mut times = Vec::new();
        for _ in 0..40 {
            let started = std::time::Instant::now();
            let response = client.get(app.url(path)).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            response.bytes().await.unwrap();
            times.push(started.elapsed());
        }
        times.sort();
        let median = times[times.len() / 2];
        assert!(
            median < std::time::Duration::from_millis(20),
            "{path}: median {median:?} over one connection"
        );
    }
}
