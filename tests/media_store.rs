//! Media in an S3 bucket (a real S3 API, `s3s-fs`, in this process) and what
//! an outage of the bucket does: the app reaches the bucket through a TCP
//! proxy that the test cuts. An upload or an avatar change during the
//! outage answers 503 and writes nothing (no object, no row); a post deleted
//! during the outage is gone at once and its objects follow once the bucket
//! is back. At the end the bucket holds exactly the live posts' and
//! avatars' objects: none orphaned, none missing.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::proxy::{Link, Proxy};
use common::s3::S3Server;
use common::{error_code, png, Backend, PgDatabase, Session, TestApp};
use reqwest::{header, StatusCode};
use serde_json::Value;

/// An outage costs a put its connect or request timeout, the clean-up the
/// same again; the rest is room for a slow, shared machine.
const ANSWER_WITHIN: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    bucket_outage(Backend::Sqlite, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    let Some(database) = PgDatabase::create().await else {
        eprintln!("SKIPPED media_store::postgres: TEST_POSTGRES_URL is not set");
        return;
    };
    bucket_outage(Backend::Postgres, Some(database)).await;
}

async fn bucket_outage(backend: Backend, database: Option<PgDatabase>) {
    let s3 = S3Server::start().await;
    let proxy = Proxy::start(s3.addr).await;
    let settings = s3.settings(proxy.addr);
    let settings: Vec<(&str, &str)> = settings
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .chain([("MEDIA_SWEEP_INTERVAL", "1s")])
        .collect();
    let mut app = TestApp::spawn_on(backend, database, &settings).await;
    let s3 = std::sync::Arc::new(s3);
    app.s3 = Some(std::sync::Arc::clone(&s3));

    let ana = app.register("ana").await;
    let kept = app.post_photo(&ana, "kept").await;
    let doomed = app.post_photo(&ana, "deleted during the outage").await;
    let me = set_avatar(&app, &ana).await;
    assert_eq!(me.0, StatusCode::OK, "{}", me.1);
    let old_avatar = me.1["avatar_url"].as_str().unwrap().to_owned();
    served(&app, kept["media"][0]["url"].as_str().unwrap()).await;
    served(&app, &old_avatar).await;
    assert_eq!(
        app.stored_media().len(),
        6,
        "2 posts × 2 files + an avatar and its small version"
    );
    // The front end may show images from the bucket's origin.
    let response = app
        .request(reqwest::Method::GET, "/", None)
        .send()
        .await
        .unwrap();
    let csp = response.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        csp.contains(&format!("img-src 'self' http://{} ", s3.addr)),
        "{csp}"
    );

    for outage in [Link::Refusing, Link::Blackholing] {
        proxy.set(outage);
        let before = app.stored_media();

        let started = Instant::now();
        let (status, body) = app.post_photos(&ana, vec![png(32, 32)], "lost").await;
        unavailable(status, &body, started, &format!("upload ({outage:?})"));
        let started = Instant::now();
        let (status, body) = set_avatar(&app, &ana).await;
        unavailable(status, &body, started, &format!("avatar ({outage:?})"));
        assert_eq!(
            app.stored_media(),
            before,
            "{outage:?}: nothing was written"
        );
        let (_, me) = app.get("/api/me", ana.token()).await;
        assert_eq!(
            me["avatar_url"],
            old_avatar.as_str(),
            "the old avatar stays"
        );
        proxy.set(Link::Up);
    }

    // A post deleted while the bucket is away is gone at once; its objects
    // are queued and go when the bucket is back.
    proxy.set(Link::Refusing);
    let path = format!("/api/posts/{}", doomed["id"]);
    let (status, body) = app.delete(&path, ana.token()).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(app.get(&path, None).await.0, StatusCode::NOT_FOUND);
    proxy.set(Link::Up);

    // And an avatar change removes the old files.
    let (status, me) = set_avatar(&app, &ana).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let new_avatar = me["avatar_url"].as_str().unwrap().to_owned();
    let new_small_avatar = me["avatar_small_url"].as_str().unwrap().to_owned();
    served(&app, &new_avatar).await;

    let live: BTreeSet<String> = [
        kept["media"][0]["url"].as_str().unwrap(),
        kept["media"][0]["thumbnail_url"].as_str().unwrap(),
        &new_avatar,
        &new_small_avatar,
    ]
    .iter()
    .map(|url| key_of(&app, url))
    .collect();
    // The sweep runs every second here; wait for it to finish its work.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let stored: BTreeSet<String> = app.stored_media().into_iter().collect();
        let queued = shutterbug::store::blob_deletions::page(&app.state.db, "", 100)
            .await
            .unwrap();
        if stored == live && queued.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the bucket should hold exactly {live:?}, holds {stored:?}; still queued: {queued:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn set_avatar(app: &TestApp, session: &Session) -> (StatusCode, Value) {
    let form = reqwest::multipart::Form::new().part(
        "image",
        reqwest::multipart::Part::bytes(png(64, 64)).file_name("me.png"),
    );
    common::send(
        app.request(reqwest::Method::PUT, "/api/me/avatar", session.token())
            .multipart(form),
    )
    .await
}

fn unavailable(status: StatusCode, body: &Value, started: Instant, what: &str) {
    let elapsed = started.elapsed();
    assert!(elapsed < ANSWER_WITHIN, "{what} took {elapsed:?}");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{what}: {body}");
    assert_eq!(error_code(body), "unavailable", "{what}: {body}");
}

/// The object behind a media URL is served from the bucket as a JPEG that
/// may be cached for good.
async fn served(app: &TestApp, url: &str) {
    assert!(url.starts_with(app.media_base_url()), "{url}");
    let response = app.fetch_media(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    assert_eq!(response.headers()[header::CONTENT_TYPE], "image/jpeg");
    assert!(response.headers()[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert!(!response.bytes().await.unwrap().is_empty());
}

fn key_of(app: &TestApp, url: &str) -> String {
    url.strip_prefix(app.media_base_url())
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap()
        .to_owned()
}
