//! Several instances as one server: three in-process instances share one
//! database and one Redis (each test its own channel prefix), and every live
//! event reaches its recipient's sockets whichever instance holds them.
//! A cut of Redis (through a TCP proxy) loses, doubles and fails nothing:
//! writes commit, and missed events are caught up from the database by `seq`.
//! The abuse limits count in Redis too, so two instances limit like one,
//! and fall back to each instance's own counts while Redis is away.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use std::time::{Duration, Instant};

use common::proxy::{Link, Proxy};
use common::ws::{close_code, connect, next_json};
use common::{Backend, Session, TestApp};
use reqwest::StatusCode;
use serde_json::Value;

const REDIS: &str = "127.0.0.1:6379";

/// Starts `n` instances on one fresh database, reaching Redis at `redis`;
/// `None` when the backend or Redis is not available.
async fn cluster(backend: Backend, n: usize, redis: std::net::SocketAddr) -> Option<Vec<TestApp>> {
    cluster_with(backend, n, redis, &[]).await
}

/// [`cluster`] with more settings for every instance.
async fn cluster_with(
    backend: Backend,
    n: usize,
    redis: std::net::SocketAddr,
    settings: &[(&str, &str)],
) -> Option<Vec<TestApp>> {
    if tokio::net::TcpStream::connect(REDIS).await.is_err() {
        common::skip_unless_ci("the cluster tests", &format!("Redis at {REDIS}"));
        return None;
    }
    let prefix = format!("test:{:016x}:", rand::random::<u64>());
    let url = format!("redis://{redis}");
    let mut redis_settings = vec![
        ("REDIS_URL", url.as_str()),
        ("REDIS_PREFIX", prefix.as_str()),
        // SQLite instances keep media on the disk; these tests store none.
        ("ALLOW_LOCAL_MEDIA", "on"),
    ];
    redis_settings.extend_from_slice(settings);
    let first = TestApp::spawn(backend, &redis_settings).await?;
    let shared = first.shared_settings();
    let mut apps = vec![first];
    for _ in 1..n {
        let settings: Vec<(&str, &str)> = shared
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        apps.push(TestApp::spawn_on(backend, None, &settings).await);
    }
    Some(apps)
}

async fn redis_addr() -> std::net::SocketAddr {
    tokio::net::lookup_host(REDIS)
        .await
        .unwrap()
        .next()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_cross_instances_sqlite() {
    events_cross_instances(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_cross_instances_postgres() {
    events_cross_instances(Backend::Postgres).await;
}

/// A like on A reaches the author on B; a post on B reaches followers on A
/// and C; a logout on A closes the session's socket on C, and C refuses its
/// access token.
async fn events_cross_instances(backend: Backend) {
    let Some(apps) = cluster(backend, 3, redis_addr().await).await else {
        return;
    };
    let (a, b, c) = (&apps[0], &apps[1], &apps[2]);
    let ana = a.register("ana").await;
    let bob = a.register("bob").await;
    let cara = a.register("cara").await;
    a.put("/api/users/ana/follow", bob.token()).await;
    a.put("/api/users/ana/follow", cara.token()).await;
    let post = a.post_photo(&ana, "hello").await;

    let mut ana_on_b = connect(b, &ana, None).await;
    // The follows above notified ana; the socket starts after them.
    let (status, _) = a
        .put(&format!("/api/posts/{}/like", post["id"]), bob.token())
        .await;
    assert_eq!(status, StatusCode::OK);
    let event = next_json(&mut ana_on_b).await;
    assert_eq!(event["type"], "notification", "{event}");
    assert_eq!(event["notification"]["kind"], "like");
    assert_eq!(event["notification"]["actor"]["username"], "bob");

    let mut bob_on_a = connect(a, &bob, None).await;
    let mut cara_on_c = connect(c, &cara, None).await;
    let new_post = b.post_photo(&ana, "from b").await;
    for socket in [&mut bob_on_a, &mut cara_on_c] {
        let event = next_json(socket).await;
        assert_eq!(event["type"], "post", "{event}");
        assert_eq!(event["post"]["id"], new_post["id"]);
    }

    a.logout(&cara).await;
    assert_eq!(close_code(&mut cara_on_c).await, 4401);
    let (status, _) = c.get("/api/me", cara.token()).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "C refuses the signed-out token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_outage_sqlite() {
    redis_outage(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_outage_postgres() {
    redis_outage(Backend::Postgres).await;
}

/// Redis cut in the middle: likes keep committing (no 500), the author's
/// socket on another instance gets every notification once and in order
/// after Redis is back, and `/api/ready` says `degraded` meanwhile.
async fn redis_outage(backend: Backend) {
    let proxy = Proxy::start(redis_addr().await).await;
    let Some(apps) = cluster(backend, 2, proxy.addr).await else {
        return;
    };
    let (a, b) = (&apps[0], &apps[1]);
    let ana = a.register("ana").await;
    let mut likers = Vec::new();
    for i in 0..6 {
        likers.push(a.register(&format!("liker{i}")).await);
    }
    let post = a.post_photo(&ana, "liked").await;
    let like = format!("/api/posts/{}/like", post["id"]);
    let mut ana_on_b = connect(b, &ana, None).await;
    assert_eq!(ready(b).await["redis"], "ok");

    like_all(a, &like, &likers[..2]).await;
    proxy.set(Link::Refusing);
    wait_until(|| async { ready(b).await["redis"] == "degraded" }).await;
    like_all(a, &like, &likers[2..4]).await;
    proxy.set(Link::Up);
    wait_until(|| async { ready(b).await["redis"] == "ok" }).await;
    like_all(a, &like, &likers[4..]).await;

    let mut seqs = Vec::new();
    let mut actors = Vec::new();
    while seqs.len() < likers.len() {
        let event = next_json(&mut ana_on_b).await;
        assert_eq!(event["type"], "notification", "{event}");
        seqs.push(event["notification"]["seq"].as_i64().unwrap());
        actors.push(event["notification"]["actor"]["username"].clone());
    }
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "in order, once: {seqs:?}"
    );
    let expected: Vec<Value> = (0..6).map(|i| Value::from(format!("liker{i}"))).collect();
    actors.sort_by_key(|a| a.as_str().unwrap().to_owned());
    assert_eq!(actors, expected, "every like arrived");
    common::ws::assert_quiet(&mut ana_on_b).await;
}

/// An instance of `app`'s deployment that publishes nothing to Redis, as
/// if every one of its publishes had been lost.
async fn silent_instance(app: &TestApp) -> TestApp {
    let settings: Vec<(String, String)> = app
        .shared_settings()
        .into_iter()
        .filter(|(k, _)| k != "REDIS_URL")
        .collect();
    let settings: Vec<(&str, &str)> = settings
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    TestApp::spawn_on(app.backend, None, &settings).await
}

async fn like_all(app: &TestApp, path: &str, likers: &[Session]) {
    for liker in likers {
        let (status, body) = app.put(path, liker.token()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

async fn ready(app: &TestApp) -> Value {
    let (status, body) = app.get("/api/ready", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn wait_until<F, Fut>(condition: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    while !condition().await {
        assert!(Instant::now() < deadline, "condition not met in time");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resubscribing_catches_up_from_the_database_sqlite() {
    resubscribing_catches_up_from_the_database(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resubscribing_catches_up_from_the_database_postgres() {
    resubscribing_catches_up_from_the_database(Backend::Postgres).await;
}

/// Notifications that never crossed Redis (here: written by a process that
/// publishes nothing, as if every publish had been lost) reach the author's
/// socket on B once B's subscription drops and comes back: B reads the
/// latest `seq` of its connected users and each socket reads its gap.
async fn resubscribing_catches_up_from_the_database(backend: Backend) {
    let proxy = Proxy::start(redis_addr().await).await;
    let Some(apps) = cluster(backend, 1, proxy.addr).await else {
        return;
    };
    let b = &apps[0];
    let silent = silent_instance(b).await;

    let ana = b.register("ana").await;
    let likers = [b.register("bob").await, b.register("cara").await];
    let post = b.post_photo(&ana, "liked").await;
    let mut ana_on_b = connect(b, &ana, None).await;
    like_all(&silent, &format!("/api/posts/{}/like", post["id"]), &likers).await;
    common::ws::assert_quiet(&mut ana_on_b).await;

    proxy.set(Link::Refusing);
    wait_until(|| async { ready(b).await["redis"] == "degraded" }).await;
    proxy.set(Link::Up);
    let mut actors = Vec::new();
    for _ in &likers {
        let event = next_json(&mut ana_on_b).await;
        assert_eq!(event["type"], "notification", "{event}");
        actors.push(event["notification"]["actor"]["username"].clone());
    }
    assert_eq!(actors, ["bob", "cara"], "caught up in seq order");
    common::ws::assert_quiet(&mut ana_on_b).await;
}

/// Limits low enough to reach in a test: 3 failed sign-ins lock a login;
/// the per-address budget is generous unless a test sets its own.
const LIMITS: [(&str, &str); 3] = [
    ("RATE_LIMITS", "on"),
    ("LOGIN_FAILURE_LIMIT", "3"),
    ("AUTH_RATE_LIMIT", "1000,1s"),
];

/// `settings` over [`LIMITS`].
fn limits_with<'a>(settings: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all: Vec<(&str, &str)> = LIMITS
        .into_iter()
        .filter(|(k, _)| !settings.iter().any(|(key, _)| key == k))
        .collect();
    all.extend_from_slice(settings);
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_lock_at_the_same_count_on_two_instances_sqlite() {
    failed_sign_ins_lock_at_the_same_count_on_two_instances(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_lock_at_the_same_count_on_two_instances_postgres() {
    failed_sign_ins_lock_at_the_same_count_on_two_instances(Backend::Postgres).await;
}

/// Wrong passwords sent alternately to A and B lock the login after as
/// many failures as when all go to A; the lock then holds on both.
async fn failed_sign_ins_lock_at_the_same_count_on_two_instances(backend: Backend) {
    let Some(apps) = cluster_with(backend, 2, redis_addr().await, &LIMITS).await else {
        return;
    };
    let (a, b) = (&apps[0], &apps[1]);
    a.register("ana").await;
    // The username and the e-mail are two logins with a count each.
    let on_one = failures_until_locked(&[a], "ana").await;
    let alternately = failures_until_locked(&[a, b], "ana@example.com").await;
    assert_eq!(on_one, 3, "the configured limit");
    assert_eq!(alternately, on_one, "two instances lock like one");
    for app in [a, b] {
        let (status, body) = wrong_password(app, "ana@example.com").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    }
}

/// Sends wrong passwords for `login` to `apps` in turn and counts the
/// refusals (`401`) before the first lock (`429`).
async fn failures_until_locked(apps: &[&TestApp], login: &str) -> usize {
    for attempt in 0..20 {
        let (status, body) = wrong_password(apps[attempt % apps.len()], login).await;
        match status {
            StatusCode::UNAUTHORIZED => continue,
            StatusCode::TOO_MANY_REQUESTS => return attempt,
            other => panic!("attempt {attempt}: {other} {body}"),
        }
    }
    panic!("{login} was never locked");
}

async fn wrong_password(app: &TestApp, login: &str) -> (StatusCode, Value) {
    app.post(
        "/api/auth/login",
        None,
        serde_json::json!({"login": login, "password": "not-the-password"}),
    )
    .await
}

/// A refresh with a token nobody issued: charged to the address, then `401`.
async fn auth_attempt(app: &TestApp) -> StatusCode {
    let started = Instant::now();
    let (status, body) = app.refresh("no-such-token").await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "answered in {:?}",
        started.elapsed()
    );
    assert!(
        matches!(
            status,
            StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS
        ),
        "{status} {body}"
    );
    status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_address_limit_is_shared_sqlite() {
    the_per_address_limit_is_shared(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_address_limit_is_shared_postgres() {
    the_per_address_limit_is_shared(Backend::Postgres).await;
}

/// A burst of 4 per address: 4 attempts spread over A and B use it up on
/// both.
async fn the_per_address_limit_is_shared(backend: Backend) {
    let settings = limits_with(&[("AUTH_RATE_LIMIT", "4,1m")]);
    let Some(apps) = cluster_with(backend, 2, redis_addr().await, &settings).await else {
        return;
    };
    let (a, b) = (&apps[0], &apps[1]);
    for app in [a, b, a, b] {
        assert_eq!(auth_attempt(app).await, StatusCode::UNAUTHORIZED);
    }
    for app in [a, b] {
        assert_eq!(auth_attempt(app).await, StatusCode::TOO_MANY_REQUESTS);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_fall_back_to_each_instance_while_redis_is_away_sqlite() {
    limits_fall_back_to_each_instance_while_redis_is_away(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_fall_back_to_each_instance_while_redis_is_away_postgres() {
    limits_fall_back_to_each_instance_while_redis_is_away(Backend::Postgres).await;
}

/// Redis stops answering (connections held open, never answered: the slow
/// case): every attempt is still answered at once, by each instance's own
/// count, never with a `500`; once Redis is back, the shared count resumes
/// where it was.
async fn limits_fall_back_to_each_instance_while_redis_is_away(backend: Backend) {
    let proxy = Proxy::start(redis_addr().await).await;
    let settings = limits_with(&[("AUTH_RATE_LIMIT", "4,1m")]);
    let Some(apps) = cluster_with(backend, 2, proxy.addr, &settings).await else {
        return;
    };
    let (a, b) = (&apps[0], &apps[1]);
    for app in [a, b] {
        assert_eq!(auth_attempt(app).await, StatusCode::UNAUTHORIZED);
    }

    proxy.set(Link::Blackholing);
    for app in [a, b] {
        for _ in 0..4 {
            assert_eq!(auth_attempt(app).await, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(
            auth_attempt(app).await,
            StatusCode::TOO_MANY_REQUESTS,
            "the instance's own burst of 4 is used up"
        );
    }

    proxy.set(Link::Up);
    // Each instance's own count is used up, so the first attempt each lets
    // through is one Redis counted: the third and the fourth of its burst.
    for app in [a, b] {
        wait_until(|| async { auth_attempt(app).await == StatusCode::UNAUTHORIZED }).await;
    }
    for app in [a, b] {
        assert_eq!(auth_attempt(app).await, StatusCode::TOO_MANY_REQUESTS);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_missed_while_unsubscribed_are_read_back_sqlite() {
    revocations_missed_while_unsubscribed_are_read_back(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_missed_while_unsubscribed_are_read_back_postgres() {
    revocations_missed_while_unsubscribed_are_read_back(Backend::Postgres).await;
}

/// A logout while B's Redis is cut, whose message never comes (A gave up
/// publishing it: Redis was away longer than A's retries; here A publishes
/// nothing at all): once B's subscription is back, B reads the sessions
/// revoked meanwhile from the database, closes the session's socket with
/// `4401` and refuses its access token. Until then B cannot know.
async fn revocations_missed_while_unsubscribed_are_read_back(backend: Backend) {
    let proxy = Proxy::start(redis_addr().await).await;
    let Some(apps) = cluster(backend, 1, proxy.addr).await else {
        return;
    };
    let b = &apps[0];
    let a = silent_instance(b).await;
    let ana = a.register("ana").await;
    let mut ana_on_b = connect(b, &ana, None).await;

    proxy.set(Link::Refusing);
    wait_until(|| async { ready(b).await["redis"] == "degraded" }).await;
    a.logout(&ana).await;
    assert_eq!(
        b.get("/api/me", ana.token()).await.0,
        StatusCode::OK,
        "B has not heard of it yet"
    );
    common::ws::assert_quiet(&mut ana_on_b).await;

    proxy.set(Link::Up);
    assert_eq!(close_code(&mut ana_on_b).await, 4401);
    let (status, _) = b.get("/api/me", ana.token()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "B refuses the token");
}
