//! The web front end in real headless Chromium: `tests/e2e/scenario.mjs`
//! (Node + playwright-core) drives two browsers against the real app on a
//! random port. Screenshots land in `target/screenshots/`.
//!
//! Needs `/usr/bin/chromium` (or `CHROMIUM`), `node`, and
//! `tests/e2e/node_modules` (`npm ci` there). Without them the test fails
//! when `CI` is set and is skipped, loudly, otherwise.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::{Backend, TestApp};

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// What is missing to run the browser test, if anything.
fn missing_tools(e2e: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    if !chromium().is_file() {
        missing.push(format!(
            "{} (apt-get install -y chromium)",
            chromium().display()
        ));
    }
    let node = std::process::Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !node.is_ok_and(|status| status.success()) {
        missing.push("node".to_owned());
    }
    if !e2e.join("node_modules/playwright-core").is_dir() {
        missing.push("tests/e2e/node_modules (cd tests/e2e && npm ci)".to_owned());
    }
    missing
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_front_end_in_headless_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let e2e = root.join("tests/e2e");
    let missing = missing_tools(&e2e);
    if !missing.is_empty() {
        common::skip_unless_ci("web_front_end_in_headless_chromium", &missing.join(", "));
        return;
    }

    // Short-lived access tokens, so the run sees the app renew them; and the
    // real abuse limits, which a well-behaved front end stays within.
    const TOKEN_TTL: &str = "15";
    // ana is an admin, so she can resolve a report on the moderation page.
    let settings = [
        ("ACCESS_TOKEN_TTL", TOKEN_TTL),
        ("RATE_LIMITS", "on"),
        ("ADMIN_USERNAMES", "ana"),
    ];
    let app = TestApp::spawn(Backend::Sqlite, &settings)
        .await
        .expect("SQLite is always available");
    let screenshots = root.join("target/screenshots");
    let mut command = std::process::Command::new("node");
    command
        .arg("scenario.mjs")
        .current_dir(&e2e)
        .env("BASE_URL", app.url(""))
        .env("SCREENSHOT_DIR", &screenshots)
        .env("ACCESS_TOKEN_TTL", TOKEN_TTL)
        .env("CHROMIUM", chromium());
    // The scenario stops itself after 220 s; this bound is only a backstop.
    let run = tokio::task::spawn_blocking(move || command.output());
    let output = tokio::time::timeout(Duration::from_secs(280), run)
        .await
        .expect("the browser scenario did not finish within 280 s")
        .expect("the scenario's thread panicked")
        .expect("could not start node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "browser scenario failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    app.stop().await;
}
