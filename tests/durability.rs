//! Durability: what the API has confirmed survives a crash. The real
//! `shutterbug` binary creates an account, a post and a like, is killed with
//! SIGKILL the moment the answers arrive, and is started again on the same
//! data: all three are still there.

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{png, read, PgDatabase};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// One run of the server binary; killed (SIGKILL) when dropped.
struct Server {
    child: Child,
    base: String,
    client: reqwest::Client,
}

impl Server {
    async fn start(database_url: &str, dir: &Path, log_name: &str) -> Self {
        // A port that was free a moment ago; the binary binds it itself.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("free port")
            .port();
        let log = std::fs::File::create(dir.join(log_name)).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_shutterbug"))
            .env("DATABASE_URL", database_url)
            .env("DATA_DIR", dir.join("data"))
            .env("UPLOAD_DIR", dir.join("uploads"))
            .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
            .env("BCRYPT_COST", "4")
            .env("RATE_LIMITS", "off")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start the server binary");
        let server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
        };
        server.wait_until_healthy(dir, log_name).await;
        server
    }

    async fn wait_until_healthy(&self, dir: &Path, log_name: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(response) = self.client.get(self.url("/api/health")).send().await {
                if response.status() == StatusCode::OK {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let log = std::fs::read_to_string(dir.join(log_name)).unwrap_or_default();
        panic!("the server did not become healthy:\n{log}");
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    async fn post_json(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        let mut request = self.client.post(self.url(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read(request.send().await.expect("request")).await
    }

    /// SIGKILL: no graceful shutdown, no flushing beyond what was committed.
    fn crash(mut self) {
        self.child.kill().expect("kill the server");
        self.child.wait().expect("reap the server");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn confirmed_writes_survive_a_crash(database_url: &str) {
    let dir = tempfile::tempdir().expect("temp dir");

    let server = Server::start(database_url, dir.path(), "first.log").await;
    let (status, body) = server
        .post_json(
            "/api/auth/register",
            None,
            json!({"username": "ana", "email": "ana@example.com", "password": "password-ana"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let token = body["access_token"].as_str().expect("token").to_owned();

    let form = reqwest::multipart::Form::new()
        .text("caption", "before the crash #durable")
        .part(
            "image",
            reqwest::multipart::Part::bytes(png(40, 30)).file_name("a.png"),
        );
    let response = server
        .client
        .post(server.url("/api/posts"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .expect("post");
    let (status, post) = read(response).await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    let post_id = post["id"].as_i64().expect("post id");

    let response = server
        .client
        .put(server.url(&format!("/api/posts/{post_id}/like")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("like");
    let (status, liked) = read(response).await;
    assert_eq!(status, StatusCode::OK, "{liked}");
    server.crash();

    let server = Server::start(database_url, dir.path(), "second.log").await;
    let (status, body) = server
        .post_json(
            "/api/auth/login",
            None,
            json!({"login": "ana", "password": "password-ana"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "the account is gone: {body}");
    let token = body["access_token"].as_str().expect("token").to_owned();

    let response = server
        .client
        .get(server.url(&format!("/api/posts/{post_id}")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get post");
    let (status, post) = read(response).await;
    assert_eq!(status, StatusCode::OK, "the post is gone: {post}");
    assert_eq!(post["like_count"], 1, "{post}");
    assert_eq!(post["liked_by_me"], true, "{post}");
    assert_eq!(post["hashtags"], json!(["durable"]));

    // The image file was on disk before the post was confirmed.
    let media_url = post["media"][0]["url"].as_str().expect("media url");
    let response = server
        .client
        .get(server.url(media_url))
        .send()
        .await
        .expect("get media");
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.expect("media bytes");
    assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "not a JPEG");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("durable.db").display());
    confirmed_writes_survive_a_crash(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    let Some(database) = PgDatabase::create().await else {
        eprintln!("SKIPPED durability::postgres: TEST_POSTGRES_URL is not set");
        return;
    };
    confirmed_writes_survive_a_crash(&database.url).await;
}
