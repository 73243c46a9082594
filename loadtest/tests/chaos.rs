//! `loadtest ws` over three instances sharing one database and Redis, one
//! of which is killed (SIGKILL) in the middle of the like test: its
//! sessions reconnect to the others with `since`, and every liked user's
//! notifications still arrive exactly once and in order.
//!
//! The killed instance must be a process of its own, so this test binary
//! starts itself again as a server: [`serve_when_asked`] does nothing
//! unless `CHAOS_SERVE` is set, and then serves until it is killed.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::process::Command;

const JWT_SECRET: &str = "chaos-secret-chaos-secret-chaos-secret-01234";
const REDIS: &str = "127.0.0.1:6379";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_instance_loses_and_doubles_nothing() {
    if std::env::var("CHAOS_SERVE").is_ok() {
        return;
    }
    if tokio::net::TcpStream::connect(REDIS).await.is_err() {
        eprintln!("SKIPPED chaos: no Redis at {REDIS}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite:{}", dir.path().join("chaos.db").display());
    let uploads = dir.path().join("uploads");
    let seeded = loadtest(&[
        "seed",
        "--database-url",
        &database_url,
        "--users",
        "40",
        "--posts",
        "120",
        "--follows-per-user",
        "10",
        "--upload-dir",
        &uploads.display().to_string(),
    ])
    .await;
    assert!(seeded.status.success(), "{seeded:?}");

    let prefix = format!("chaos:{:016x}:", rand::random::<u64>());
    let settings = |port: u16, data: &str| -> Vec<(String, String)> {
        [
            ("DATABASE_URL", database_url.clone()),
            ("DATA_DIR", dir.path().join(data).display().to_string()),
            ("UPLOAD_DIR", uploads.display().to_string()),
            ("LISTEN_ADDR", format!("127.0.0.1:{port}")),
            ("JWT_SECRET", JWT_SECRET.to_owned()),
            ("BCRYPT_COST", "4".to_owned()),
            ("RATE_LIMITS", "off".to_owned()),
            ("REDIS_URL", format!("redis://{REDIS}")),
            ("REDIS_PREFIX", prefix.clone()),
            ("ALLOW_LOCAL_MEDIA", "on".to_owned()),
            ("RUST_LOG", "error".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    };
    let ports = [free_port(), free_port(), free_port()];
    let mut servers = Vec::new();
    for (k, port) in ports.iter().enumerate() {
        let child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "serve_when_asked", "--nocapture"])
            .env("CHAOS_SERVE", "1")
            .envs(settings(*port, &format!("data{k}")))
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        servers.push(child);
    }
    for port in ports {
        wait_until_healthy(port).await;
    }
    let urls: Vec<String> = ports
        .iter()
        .map(|p| format!("http://127.0.0.1:{p}"))
        .collect();
    let victim = servers[2].id().unwrap().to_string();
    let json = dir.path().join("chaos.json");
    let run = loadtest(&[
        "ws",
        "--url",
        &urls.join(","),
        "--sessions",
        "60",
        "--likers",
        "3",
        "--like-rate",
        "30",
        "--duration",
        "3s",
        "--kill-pid",
        &victim,
        "--kill-url",
        &urls[2],
        "--kill-after",
        "1s",
        "--fanout-posts",
        "1",
        "--settle",
        "0s",
        "--grace",
        "10s",
        "--json",
        &json.display().to_string(),
    ])
    .await;
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let details = &report["details"];
    let per_user = &details["likes"]["per_user"];
    assert!(per_user["expected"].as_u64().unwrap() > 0, "{details:#}");
    assert_eq!(per_user["received"], per_user["expected"], "{details:#}");
    for count in ["missing", "duplicates", "out_of_order"] {
        assert_eq!(per_user[count], 0, "{count}: {details:#}");
    }
    assert_eq!(
        details["sessions"]["reconnected"], 20,
        "every session of the killed instance moved: {details:#}"
    );
    assert_eq!(details["sessions"]["closed_early"], 0, "{details:#}");
    assert!(!details["likes"]["chaos"]["killed_pid"].is_null());
}

/// The server process the test above starts (and kills); nothing without
/// `CHAOS_SERVE`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_when_asked() {
    if std::env::var("CHAOS_SERVE").is_err() {
        return;
    }
    let config = shutterbug::Config::from_lookup(|key| std::env::var(key).ok()).unwrap();
    let listener = tokio::net::TcpListener::bind(config.listen_addr)
        .await
        .unwrap();
    let app = shutterbug::build(config).await.unwrap();
    shutterbug::serve(app, listener, std::future::pending())
        .await
        .unwrap();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_until_healthy(port: u16) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let health = client
            .get(format!("http://127.0.0.1:{port}/api/health"))
            .send()
            .await;
        if health.is_ok_and(|answer| answer.status() == 200) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the instance on {port} did not start");
}

async fn loadtest(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_loadtest"))
        .args(args)
        .output()
        .await
        .unwrap()
}
