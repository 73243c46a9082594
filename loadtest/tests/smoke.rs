//! Smoke test of the whole tool: seed a tiny community, start the real
//! server on it, run every scenario for about a second, and check that the
//! data is consistent and the reports are complete and clean.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde_json::Value;
use shutterbug::store::Db;
use sqlx::{Connection, Executor};
use tempfile::TempDir;
use tokio::process::Command;

const JWT_SECRET: &str = "smoke-secret-smoke-secret-smoke-secret-0123";
const USERS: u64 = 50;
const POSTS: u64 = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("smoke.db").display());
    smoke(&dir, &url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    let Some(database) = PgDatabase::create("smoke").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    smoke(&dir, &database.url).await;
    pgbench_runs_the_feed_script(&dir, &database.url).await;
    database.drop().await;
}

/// Blocks, mutes and private accounts, when asked for, load on both
/// backends beside the follows and counters they must agree with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_mutes_and_private_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite:{}", dir.path().join("safety.db").display());
    seed_safety_relations(&dir, &sqlite).await;
    if let Some(database) = PgDatabase::create("safety").await {
        seed_safety_relations(&dir, &database.url).await;
        database.drop().await;
    }
}

async fn seed_safety_relations(dir: &TempDir, database_url: &str) {
    let uploads = dir.path().join("uploads");
    let relations = [
        "--blocks-per-user",
        "2",
        "--mutes-per-user",
        "2",
        "--private-share",
        "0.2",
    ];
    seed_tiny(database_url, &uploads, &relations).await;
    check_consistency(database_url, &uploads).await;
    let db = Db::connect(database_url, std::time::Duration::from_secs(10))
        .await
        .unwrap();
    for (what, sql) in [
        ("blocks", "SELECT COUNT(*) FROM blocks"),
        ("mutes", "SELECT COUNT(*) FROM mutes"),
        (
            "private accounts",
            "SELECT COUNT(*) FROM users WHERE is_private",
        ),
    ] {
        let n = count(&db, sql).await;
        assert!(n > 0, "{what}: some rows");
    }
    db.close().await;
}

/// Seeds the tiny community (`USERS`, `POSTS`, 10 follows each) with
/// `extra` options; returns what seed printed.
async fn seed_tiny(database_url: &str, uploads: &Path, extra: &[&str]) -> String {
    let (users, posts, uploads) = (
        USERS.to_string(),
        POSTS.to_string(),
        uploads.display().to_string(),
    );
    let mut args = vec![
        "seed",
        "--database-url",
        database_url,
        "--users",
        &users,
        "--posts",
        &posts,
        "--follows-per-user",
        "10",
        "--upload-dir",
        &uploads,
    ];
    args.extend_from_slice(extra);
    loadtest(&args).await
}

/// A database of its own on the server at `TEST_POSTGRES_URL`, if set.
struct PgDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PgDatabase {
    async fn create(purpose: &str) -> Option<Self> {
        let Ok(admin_url) = std::env::var("TEST_POSTGRES_URL") else {
            eprintln!("SKIPPED {purpose} on PostgreSQL: TEST_POSTGRES_URL is not set");
            return None;
        };
        let name = format!("loadtest_{purpose}_{}", std::process::id());
        let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
        admin
            .execute(format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#).as_str())
            .await
            .unwrap();
        admin
            .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
            .await
            .unwrap();
        let url = replace_database(&admin_url, &name);
        Some(Self {
            admin_url,
            name,
            url,
        })
    }

    async fn drop(self) {
        let mut admin = sqlx::PgConnection::connect(&self.admin_url).await.unwrap();
        let name = &self.name;
        admin
            .execute(format!(r#"DROP DATABASE "{name}" WITH (FORCE)"#).as_str())
            .await
            .unwrap();
    }
}

async fn smoke(dir: &TempDir, database_url: &str) {
    let uploads = dir.path().join("uploads");
    let seed = seed_tiny(database_url, &uploads, &[]).await;
    assert!(seed.contains("rows/s"), "seed reports its speed: {seed}");
    check_consistency(database_url, &uploads).await;
    let reseed = Command::new(env!("CARGO_BIN_EXE_loadtest"))
        .args(["seed", "--database-url", database_url])
        .output()
        .await
        .unwrap();
    assert!(
        !reseed.status.success(),
        "seeding a database that has users is refused"
    );

    let (addr, stop, server) = start_server(dir.path(), database_url, &uploads).await;
    let base = format!("http://{addr}");
    let client = reqwest::Client::new();
    let photo = client
        .get(format!("{base}/uploads/loadtest/photo-0.jpg"))
        .send()
        .await
        .unwrap();
    assert_eq!(photo.status(), 200, "sample photos are served");
    let registered = client
        .post(format!("{base}/api/auth/register"))
        .json(&serde_json::json!({
            "username": "newcomer",
            "email": "newcomer@example.com",
            "password": "a-new-password"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        registered.status(),
        201,
        "ids continue after the seeded ones"
    );

    for scenario in ["login", "feed", "mixed", "ws"] {
        let json = dir.path().join(format!("{scenario}.json"));
        let svg = dir.path().join(format!("{scenario}.svg"));
        let (json_arg, svg_arg) = (json.display().to_string(), svg.display().to_string());
        let mut args = vec![
            scenario, "--url", &base, "--json", &json_arg, "--svg", &svg_arg,
        ];
        if scenario == "ws" {
            // 60 sessions over 50 users: some users hold two sessions.
            args.extend([
                "--sessions",
                "60",
                "--duration",
                "1s",
                "--like-rate",
                "20",
                "--likers",
                "2",
                "--fanout-posts",
                "2",
                "--settle",
                "0s",
                "--grace",
                "5s",
            ]);
        } else {
            args.extend(["--duration", "1s", "--concurrency", "4"]);
        }
        loadtest(&args).await;
        let report = check_report(scenario, &json, &svg);
        if scenario == "ws" {
            check_ws_details(&report);
        }
    }

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// The printed script is valid pgbench input that runs on the seeded data.
async fn pgbench_runs_the_feed_script(dir: &TempDir, url: &str) {
    let script = dir.path().join("feed.sql");
    let text = loadtest(&[
        "pgbench-script",
        "--users",
        &USERS.to_string(),
        "--posts",
        &POSTS.to_string(),
    ])
    .await;
    std::fs::write(&script, text).unwrap();
    let run = Command::new("pgbench")
        .args(["-n", "-M", "prepared", "-t", "5", "-f"])
        .arg(&script)
        .arg(url)
        .output()
        .await;
    match run {
        Ok(output) => assert!(
            output.status.success(),
            "pgbench: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(e) => eprintln!("SKIPPED pgbench check: cannot run pgbench: {e}"),
    }
}

/// Runs the tool and returns its standard output; panics on failure.
async fn loadtest(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_loadtest"))
        .args(args)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "loadtest {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Every denormalised counter matches the rows it counts, and every media
/// row points at a file that exists.
/// The one number a `SELECT COUNT(*) …` answers, on either backend.
async fn count(db: &Db, sql: &str) -> i64 {
    match db {
        Db::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
        Db::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
    }
    .unwrap()
}

async fn check_consistency(database_url: &str, uploads: &Path) {
    let db = Db::connect(database_url, std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let checks: [(&str, &str, Option<i64>); 11] = [
        ("users", "SELECT COUNT(*) FROM users", Some(USERS as i64)),
        ("posts", "SELECT COUNT(*) FROM posts", Some(POSTS as i64)),
        (
            "user counters",
            "SELECT COUNT(*) FROM users u WHERE \
             u.followers_count <> (SELECT COUNT(*) FROM follows f WHERE f.followee_id = u.id) \
             OR u.following_count <> (SELECT COUNT(*) FROM follows f WHERE f.follower_id = u.id) \
             OR u.posts_count <> (SELECT COUNT(*) FROM posts p WHERE p.author_id = u.id)",
            Some(0),
        ),
        (
            "post counters",
            "SELECT COUNT(*) FROM posts p WHERE \
             p.like_count <> (SELECT COUNT(*) FROM likes l WHERE l.post_id = p.id) \
             OR p.comment_count <> (SELECT COUNT(*) FROM comments c WHERE c.post_id = p.id)",
            Some(0),
        ),
        (
            "hashtag counters",
            "SELECT COUNT(*) FROM hashtags h WHERE \
             h.post_count <> (SELECT COUNT(*) FROM post_hashtags t \
             JOIN posts p ON p.id = t.post_id JOIN users u ON u.id = p.author_id \
             WHERE t.hashtag_id = h.id AND NOT u.is_private)",
            Some(0),
        ),
        (
            "posts without media",
            "SELECT COUNT(*) FROM posts p \
             WHERE NOT EXISTS (SELECT 1 FROM media m WHERE m.post_id = p.id)",
            Some(0),
        ),
        ("follows", "SELECT COUNT(*) FROM follows", None),
        ("likes", "SELECT COUNT(*) FROM likes", None),
        ("comments", "SELECT COUNT(*) FROM comments", None),
        (
            "blocks beside a follow",
            "SELECT COUNT(*) FROM blocks b JOIN follows f ON \
             (f.follower_id = b.blocker_id AND f.followee_id = b.blocked_id) \
             OR (f.follower_id = b.blocked_id AND f.followee_id = b.blocker_id)",
            Some(0),
        ),
        (
            "mutes of someone not followed",
            "SELECT COUNT(*) FROM mutes m WHERE NOT EXISTS \
             (SELECT 1 FROM follows f WHERE f.follower_id = m.muter_id AND f.followee_id = m.muted_id)",
            Some(0),
        ),
    ];
    for (what, sql, expected) in checks {
        let n = count(&db, sql).await;
        match expected {
            Some(expected) => assert_eq!(n, expected, "{what}"),
            None => assert!(n > 0, "{what}: some rows"),
        }
    }
    let keys_sql = "SELECT image_key FROM media UNION SELECT thumb_key FROM media";
    let keys: Vec<String> = match &db {
        Db::Sqlite(pool) => sqlx::query_scalar(keys_sql).fetch_all(pool).await,
        Db::Postgres(pool) => sqlx::query_scalar(keys_sql).fetch_all(pool).await,
    }
    .unwrap();
    for key in keys {
        assert!(uploads.join(&key).is_file(), "{key} exists");
    }
    db.close().await;
}

async fn start_server(
    dir: &Path,
    database_url: &str,
    uploads: &Path,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let data = dir.join("data");
    let vars: Vec<(&str, String)> = vec![
        ("DATABASE_URL", database_url.to_owned()),
        ("DATA_DIR", data.display().to_string()),
        ("UPLOAD_DIR", uploads.display().to_string()),
        ("JWT_SECRET", JWT_SECRET.to_owned()),
        ("BCRYPT_COST", "4".to_owned()),
        ("SHUTDOWN_TIMEOUT", "5".to_owned()),
        // A login storm from one address is what the limits exist to stop.
        ("RATE_LIMITS", "off".to_owned()),
    ];
    let config = shutterbug::Config::from_lookup(|key| {
        vars.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())
    })
    .unwrap();
    let app = shutterbug::build(config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(shutterbug::serve(app, listener, async {
        let _ = stopped.await;
    }));
    (addr, stop, server)
}

/// The JSON report has every field, requests, and no errors; the chart exists.
fn check_report(scenario: &str, json: &PathBuf, svg: &PathBuf) -> Value {
    let report: Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    for field in [
        "scenario",
        "url",
        "started_at",
        "duration_seconds",
        "concurrency",
        "requests",
        "errors",
        "operations",
    ] {
        assert!(!report[field].is_null(), "{scenario}: {field} in {report}");
    }
    assert_eq!(report["scenario"], scenario);
    assert_eq!(report["errors"], 0, "{scenario}: {report:#}");
    assert!(report["requests"].as_u64().unwrap() > 0, "{scenario}");
    let operations = report["operations"].as_array().unwrap();
    assert!(!operations.is_empty());
    for op in operations {
        assert_eq!(op["error_count"], 0, "{scenario}: {op}");
        assert!(op["requests"].as_u64().unwrap() > 0);
        for quantile in ["p50", "p90", "p99", "p99_9", "max"] {
            assert!(
                op["latency_ms"][quantile].as_f64().unwrap() > 0.0,
                "{scenario}: {quantile} of {op}"
            );
        }
        assert!(!op["series"].as_array().unwrap().is_empty());
    }
    let chart = std::fs::read_to_string(svg).unwrap();
    assert!(chart.starts_with("<svg") && chart.contains("polyline"));
    report
}

/// Every session opened and stayed open; every like notified each session
/// of the post's author once, in seq order, and every post reached each follower session
/// once and nobody else.
fn check_ws_details(report: &Value) {
    let details = &report["details"];
    let sessions = &details["sessions"];
    assert_eq!(sessions["open"], 60, "{details:#}");
    assert_eq!(sessions["closed_early"], 0, "{details:#}");
    let likes = &details["likes"]["deliveries"];
    assert!(likes["expected"].as_u64().unwrap() > 0, "{details:#}");
    assert_eq!(likes["delivered"], likes["expected"], "{details:#}");
    assert_eq!(likes["out_of_order"], 0, "{details:#}");
    let fanout = details["fanout"].as_array().unwrap();
    assert_eq!(fanout.len(), 2, "{details:#}");
    for post in fanout {
        let deliveries = &post["deliveries"];
        assert!(deliveries["expected"].as_u64().unwrap() > 0, "{details:#}");
        assert_eq!(
            deliveries["delivered"], deliveries["expected"],
            "{details:#}"
        );
        for count in ["missing", "duplicates", "unexpected"] {
            assert_eq!(deliveries[count], 0, "{count}: {details:#}");
        }
    }
    let ops: Vec<&str> = report["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["name"].as_str().unwrap())
        .collect();
    for op in [
        "WS connect → ready",
        "like → notification",
        "post → follower",
    ] {
        assert!(ops.contains(&op), "{op} in {ops:?}");
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}
