//! Abuse limits, load shedding, timeouts and security headers.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use std::time::Duration;

use common::{error_code, send, Backend, TestApp};
use reqwest::{header, Method, StatusCode};
use serde_json::json;
use tokio::io::AsyncWriteExt;

async fn limited(settings: &[(&str, &str)]) -> TestApp {
    let mut all = vec![("RATE_LIMITS", "on")];
    all.extend_from_slice(settings);
    TestApp::spawn(Backend::Sqlite, &all).await.unwrap()
}

fn retry_after_secs(response: &reqwest::Response) -> u64 {
    response.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn assert_rate_limited(status: StatusCode, body: &serde_json::Value) {
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(error_code(body), "rate_limited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_lock_the_login_whatever_the_address() {
    let app = limited(&[]).await;
    app.register("ana").await;
    let login = |login: &'static str, password: &'static str, from: &'static str| {
        send(
            app.request(Method::POST, "/api/auth/login", None)
                .header("x-forwarded-for", from)
                .json(&json!({"login": login, "password": password})),
        )
    };
    // Nine failures, then a success resets the count.
    for _ in 0..9 {
        let (status, _) = login("ana", "wrong-password", "10.0.0.1").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        login("ana", "password-ana", "10.0.0.1").await.0,
        StatusCode::OK
    );
    for _ in 0..10 {
        let (status, _) = login("ana", "wrong-password", "10.0.0.2").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Locked now, even with the right password, from "anywhere", however
    // the login is capitalised.
    let response = app
        .request(Method::POST, "/api/auth/login", None)
        .header("x-forwarded-for", "10.9.9.9")
        .json(&json!({"login": " ANA ", "password": "password-ana"}))
        .send()
        .await
        .unwrap();
    let retry_after = retry_after_secs(&response);
    assert!(retry_after > 60 && retry_after <= 15 * 60, "{retry_after}");
    let (status, body) = common::read(response).await;
    assert_rate_limited(status, &body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_username_does_not_reveal_its_email() {
    let app = limited(&[]).await;
    app.register("ana").await;
    for _ in 0..10 {
        let (status, _) = app
            .post(
                "/api/auth/login",
                None,
                json!({"login": "ana", "password": "wrong-password"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Whoever locked "ana" learns nothing by trying e-mails: ana's answers
    // exactly like one nobody owns.
    let wrong = |login: &str| json!({"login": login, "password": "wrong-password"});
    let ana_email = app
        .post("/api/auth/login", None, wrong("ana@example.com"))
        .await;
    let nobody = app
        .post("/api/auth/login", None, wrong("nobody@example.com"))
        .await;
    assert_eq!(ana_email.0, StatusCode::UNAUTHORIZED);
    assert_eq!(ana_email, nobody);
    // And ana herself still signs in with her e-mail.
    let (status, _) = app
        .post(
            "/api/auth/login",
            None,
            json!({"login": "ana@example.com", "password": "password-ana"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_calls_are_limited_per_address() {
    let app = limited(&[]).await;
    // Each attempt claims another address in X-Forwarded-For; from an
    // untrusted peer that changes nothing, so the burst of 30 runs out.
    let mut first_limited = None;
    for i in 0..40 {
        let response = app
            .request(Method::POST, "/api/auth/login", None)
            .header("x-forwarded-for", format!("10.0.0.{i}"))
            .json(&json!({"login": format!("u{i}"), "password": "whatever1"}))
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(response.headers().contains_key(header::RETRY_AFTER));
            let (status, body) = common::read(response).await;
            assert_rate_limited(status, &body);
            first_limited = Some(i);
            break;
        }
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let first_limited = first_limited.expect("the burst ran out");
    assert!((30..=32).contains(&first_limited), "{first_limited}");
    // Registration shares the budget.
    let (status, body) = app
        .post(
            "/api/auth/register",
            None,
            json!({"username": "late", "email": "late@example.com", "password": "password1"}),
        )
        .await;
    assert_rate_limited(status, &body);

    // Behind a trusted proxy, each forwarded client has its own budget.
    let proxied = limited(&[("TRUSTED_PROXIES", "127.0.0.1")]).await;
    for i in 0..31 {
        let (status, _) = send(
            proxied
                .request(Method::POST, "/api/auth/login", None)
                .header("x-forwarded-for", format!("10.0.0.{i}"))
                .json(&json!({"login": format!("nobody{i}"), "password": "whatever1"})),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_and_logout_are_limited_per_address() {
    let app = limited(&[]).await;
    // Guessing refresh tokens runs out of the address's auth budget.
    let bogus = json!({"refresh_token": "not-a-token"});
    let mut first_limited = None;
    for i in 0..45 {
        let (status, body) = app.post("/api/auth/refresh", None, bogus.clone()).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert_rate_limited(status, &body);
            first_limited = Some(i);
            break;
        }
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    assert_eq!(first_limited, Some(30));
    // Sign-out draws on the same budget.
    let (status, body) = app.post("/api/auth/logout", None, bogus).await;
    assert_rate_limited(status, &body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_are_limited_per_account() {
    let app = limited(&[]).await;
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let mut last = StatusCode::OK;
    for _ in 0..130 {
        last = app.put("/api/users/bob/follow", ana.token()).await.0;
        if last == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // Reads and other accounts are unaffected.
    assert_eq!(
        app.get("/api/users/bob", ana.token()).await.0,
        StatusCode::OK
    );
    assert_eq!(
        app.put("/api/users/ana/follow", bob.token()).await.0,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limit_values_come_from_the_configuration() {
    let app = limited(&[
        ("WRITE_RATE_LIMIT", "3,1h"),
        ("LOGIN_FAILURE_LIMIT", "2"),
        ("LOGIN_FAILURE_WINDOW", "1h"),
    ])
    .await;
    let ana = app.register("ana").await;
    app.register("bob").await;
    for _ in 0..3 {
        assert_eq!(
            app.put("/api/users/bob/follow", ana.token()).await.0,
            StatusCode::OK
        );
    }
    let (status, body) = app.put("/api/users/bob/follow", ana.token()).await;
    assert_rate_limited(status, &body);

    let wrong = json!({"login": "bob", "password": "wrong-password"});
    for _ in 0..2 {
        assert_eq!(
            app.post("/api/auth/login", None, wrong.clone()).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let response = app
        .request(Method::POST, "/api/auth/login", None)
        .json(&json!({"login": "bob", "password": "password-bob"}))
        .send()
        .await
        .unwrap();
    let retry_after = retry_after_secs(&response);
    assert!(
        retry_after > 15 * 60 && retry_after <= 3600,
        "{retry_after}"
    );
    let (status, body) = common::read(response).await;
    assert_rate_limited(status, &body);
}

/// Opens a request whose body never finishes, holding a slot in flight.
async fn hanging_request(app: &TestApp) -> tokio::net::TcpStream {
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(b"POST /api/auth/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"login\":")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excess_requests_are_shed_and_slow_ones_time_out() {
    let app = TestApp::spawn(
        Backend::Sqlite,
        &[("MAX_IN_FLIGHT", "1"), ("REQUEST_TIMEOUT", "1s")],
    )
    .await
    .unwrap();
    let hanging = hanging_request(&app).await;
    let started = std::time::Instant::now();
    let response = app
        .request(Method::GET, "/api/health", None)
        .send()
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "shed at once"
    );
    assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    let (status, body) = common::read(response).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error_code(&body), "overloaded");

    // The hanging request is cut at the timeout, and the slot is free again.
    let mut buffer = Vec::new();
    let mut hanging = hanging;
    let read = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::io::AsyncReadExt::read_buf(&mut hanging, &mut buffer),
    )
    .await;
    assert!(read.is_ok(), "answered within the timeout");
    assert!(
        String::from_utf8_lossy(&buffer).starts_with("HTTP/1.1 503"),
        "{}",
        String::from_utf8_lossy(&buffer)
    );
    assert_eq!(app.get("/api/health", None).await.0, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_never_finishes_its_headers_is_closed() {
    let app = TestApp::spawn(Backend::Sqlite, &[("HEADER_READ_TIMEOUT", "1s")])
        .await
        .unwrap();
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(b"GET /api/health HTTP/1.1\r\nhost: x\r\nx-slow: ")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut buffer = Vec::new();
    // The server hangs up: the read ends (no more bytes, or a reset).
    let read = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut buffer),
    )
    .await;
    assert!(read.is_ok(), "still open after 10 s");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "closed before the timeout: {:?}",
        started.elapsed()
    );
    // A client that sends its request in time is served as usual.
    assert_eq!(app.get("/api/health", None).await.0, StatusCode::OK);
}

on_both_backends!(private_answers_are_never_stored_and_media_are_cached);

async fn private_answers_are_never_stored_and_media_are_cached(app: TestApp) {
    let ana = app.register("ana").await;
    let post = app.post_photo(&ana, "hello").await;
    let cache_control = |response: &reqwest::Response| {
        response.headers()[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .to_owned()
    };
    let login = app
        .request(Method::POST, "/api/auth/login", None)
        .json(&json!({"login": "ana", "password": "password-ana"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    assert_eq!(cache_control(&login), "no-store", "sign-in");
    for path in [
        "/api/me",
        "/api/feed",
        "/api/notifications",
        "/api/notifications/unread_count",
        "/api/users/ana",
        &format!("/api/posts/{}", post["id"]),
        "/api/nope",
    ] {
        let response = app
            .request(Method::GET, path, ana.token())
            .send()
            .await
            .unwrap();
        assert_eq!(cache_control(&response), "no-store", "{path}");
    }
    let thumbnail = post["media"][0]["thumbnail_url"].as_str().unwrap();
    let response = app.fetch_media(thumbnail).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        cache_control(&response),
        "public, max-age=31536000, immutable"
    );
}

on_both_backends!(security_headers_and_body_limits);

async fn security_headers_and_body_limits(app: TestApp) {
    for path in ["/api/health", "/", "/api/nope"] {
        let response = app.request(Method::GET, path, None).send().await.unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{csp}"
        );
    }
    let huge = json!({"login": "x".repeat(100_000), "password": "y"});
    let (status, body) = app.post("/api/auth/login", None, huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    error_code(&body);

    // CORS answers only the configured origins.
    let preflight = |origin: &'static str| {
        app.request(Method::OPTIONS, "/api/me", None)
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .send()
    };
    let response = preflight("https://evil.example").await.unwrap();
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    let cors = TestApp::spawn(app.backend, &[("CORS_ORIGINS", "https://app.example")])
        .await
        .unwrap();
    let response = cors
        .request(Method::OPTIONS, "/api/me", None)
        .header("origin", "https://app.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://app.example"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_served_apart_and_count_requests_sessions_and_the_pool() {
    let app = TestApp::spawn(Backend::Sqlite, &[]).await.unwrap();
    let ana = app.register("ana").await;
    app.get("/api/users/nobody", None).await;
    app.get("/api/users/nobody", None).await;
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/api/ws", app.addr))
        .await
        .unwrap();
    use futures_util::{SinkExt, StreamExt};
    socket
        .send(tokio_tungstenite::tungstenite::Message::text(
            json!({"type": "auth", "token": ana.token}).to_string(),
        ))
        .await
        .unwrap();
    socket.next().await.unwrap().unwrap();

    // Not on the public listener: there it is just another page of the app.
    let public = app
        .request(Method::GET, "/metrics", None)
        .send()
        .await
        .unwrap();
    let public = public.text().await.unwrap();
    assert!(!public.contains("shutterbug_"), "{public}");

    let response = app
        .client
        .get(format!("http://{}/metrics", app.metrics_addr))
        .send()
        .await
        .unwrap();
    assert!(response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = response.text().await.unwrap();
    for expected in [
        "shutterbug_http_requests_total{route=\"/api/users/{username}\",status=\"404\"} 2",
        "shutterbug_http_requests_total{route=\"/api/auth/register\",status=\"201\"} 1",
        "shutterbug_http_request_duration_seconds_count{route=\"/api/users/{username}\"} 2",
        "shutterbug_ws_sessions 1",
        "shutterbug_db_connections{state=\"idle\"}",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

/// Past `UPLOAD_MEMORY_BUDGET` an upload is refused with 503 at once and
/// leaves nothing behind; the budget is whole again afterwards.
async fn a_spent_upload_budget_answers_503_and_keeps_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, &[("UPLOAD_MEMORY_BUDGET", "100000")]).await else {
        return eprintln!("SKIPPED {backend:?}: TEST_POSTGRES_URL is not set");
    };
    let ana = app.register("ana").await;
    let small = common::png(64, 48);
    assert!(small.len() < 20_000);
    let large = vec![0x42_u8; 150_000];
    let (status, body) = app
        .post_photos(&ana, vec![small.clone(), large], "too much")
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(error_code(&body), "unavailable");
    assert_eq!(app.stored_media(), Vec::<String>::new());
    let (_, me) = app.get("/api/users/ana", None).await;
    assert_eq!(me["posts_count"], 0);
    // Its share of the budget came back: a post that fits goes through.
    let (status, body) = app
        .post_photos(&ana, vec![small.clone(), small], "fits")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_upload_budget_answers_503_and_keeps_nothing_sqlite() {
    a_spent_upload_budget_answers_503_and_keeps_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_upload_budget_answers_503_and_keeps_nothing_postgres() {
    a_spent_upload_budget_answers_503_and_keeps_nothing(Backend::Postgres).await;
}
