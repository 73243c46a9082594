//! A database outage, on PostgreSQL: the app reaches its database through a
//! small TCP proxy in this test, and the test cuts the proxy. While it is
//! cut, every call that needs the database (readiness included) answers 503
//! with the JSON error body within the acquire timeout, liveness still
//! answers 200, and an upload leaves no file behind.
//! Once the proxy is back, the same process serves again.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use std::str::FromStr;
use std::time::{Duration, Instant};

use common::proxy::{through, Link, Proxy};
use common::{error_code, files_under, png, Backend, PgDatabase, Session, TestApp};
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};
use sqlx::postgres::PgConnectOptions;

/// How long the app may wait for a connection in this test.
const ACQUIRE_TIMEOUT_SECS: u64 = 1;
/// The longest an answer may take during the outage: the acquire timeout
/// plus room for a slow, shared machine.
const ANSWER_WITHIN: Duration = Duration::from_secs(ACQUIRE_TIMEOUT_SECS + 4);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    let Some(database) = PgDatabase::create().await else {
        eprintln!("SKIPPED outage::postgres: TEST_POSTGRES_URL is not set");
        return;
    };
    let options = PgConnectOptions::from_str(&database.url).expect("PostgreSQL URL");
    let upstream = tokio::net::lookup_host((options.get_host(), options.get_port()))
        .await
        .expect("resolve PostgreSQL")
        .next()
        .expect("a PostgreSQL address");
    let proxy = Proxy::start(upstream).await;
    let url = through(&database.url, proxy.addr);
    let timeout = ACQUIRE_TIMEOUT_SECS.to_string();
    let app = TestApp::spawn_on(
        Backend::Postgres,
        Some(database),
        &[
            ("DATABASE_URL", &url),
            ("DATABASE_ACQUIRE_TIMEOUT", &timeout),
        ],
    )
    .await;

    let ana = app.register("ana").await;
    let post = app.post_photo(&ana, "before").await;
    let post_path = format!("/api/posts/{}", post["id"]);
    let uploads = app.dir.path().join("uploads");
    let files_before = files_under(&uploads);

    for outage in [Link::Refusing, Link::Blackholing] {
        proxy.set(outage);
        every_call_is_unavailable(&app, &ana, &post_path, outage).await;
        assert_eq!(
            files_under(&uploads),
            files_before,
            "an upload during the outage ({outage:?}) left files behind"
        );

        proxy.set(Link::Up);
        serves_again(&app, &ana, &post_path).await;
    }
}

/// A connection that PostgreSQL itself ends (as on a restart) is a 503 too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminated_connection() {
    let Some(app) = TestApp::spawn(Backend::Postgres, &[]).await else {
        eprintln!("SKIPPED outage::terminated_connection: TEST_POSTGRES_URL is not set");
        return;
    };
    let shutterbug::store::Db::Postgres(pool) = &app.state.db else {
        unreachable!("spawned on PostgreSQL");
    };
    let error = sqlx::query("SELECT pg_terminate_backend(pg_backend_pid())")
        .execute(pool)
        .await
        .expect_err("the connection ends itself");
    let error = shutterbug::domain::error::ApiError::from(error);
    assert!(
        matches!(error, shutterbug::domain::error::ApiError::Unavailable(_)),
        "{error:?}"
    );
    // The pool replaces the connection; the app serves on.
    let (status, _) = app.get("/api/ready", None).await;
    assert_eq!(status, StatusCode::OK);
}

/// Calls that need the database, each answered 503 `unavailable` in time.
async fn every_call_is_unavailable(app: &TestApp, ana: &Session, post_path: &str, outage: Link) {
    let form = || {
        reqwest::multipart::Form::new().part(
            "image",
            reqwest::multipart::Part::bytes(png(32, 32)).file_name("a.png"),
        )
    };
    let (status, body) = app.get("/api/health", None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "liveness needs no database ({outage:?})"
    );
    assert_eq!(body, json!({"status": "ok"}));
    let calls = [
        app.request(Method::GET, "/api/ready", None),
        app.request(Method::GET, post_path, ana.token()),
        app.request(Method::GET, "/api/feed", ana.token()),
        app.request(Method::PUT, &format!("{post_path}/like"), ana.token()),
        app.request(Method::POST, "/api/auth/login", None)
            .json(&json!({"login": "ana", "password": "password-ana"})),
        app.request(Method::POST, "/api/auth/register", None)
            .json(&json!({
                "username": "bob", "email": "bob@example.com", "password": "password-bob"
            })),
        app.request(Method::POST, "/api/posts", ana.token())
            .multipart(form()),
    ];
    for call in calls {
        let request = call.build().expect("request");
        let what = format!("{} {} ({outage:?})", request.method(), request.url().path());
        let started = Instant::now();
        let response = app.client.execute(request).await.expect("an answer");
        let elapsed = started.elapsed();
        assert!(elapsed < ANSWER_WITHIN, "{what} took {elapsed:?}");
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{what}");
        assert!(
            response.headers().contains_key(header::RETRY_AFTER),
            "{what}: no Retry-After"
        );
        let body: Value = response.json().await.expect("a JSON body");
        assert_eq!(error_code(&body), "unavailable", "{what}: {body}");
    }
}

/// Once the database is reachable again, the same process answers as before.
async fn serves_again(app: &TestApp, ana: &Session, post_path: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, _) = app.get("/api/ready", None).await;
        if status == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "still {status} after the outage");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, body) = app.get(post_path, ana.token()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app.put(&format!("{post_path}/like"), ana.token()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app.delete(&format!("{post_path}/like"), ana.token()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["like_count"], 0);
}
