//! The real `shutterbug` binary as a child process, for tests about what
//! only a whole process shows: crashes, signals, what it carries inside.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use super::{png, read};

/// A port that was free a moment ago, for the binary to bind itself.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port()
}

/// One run of the server binary; killed (SIGKILL) when dropped.
pub struct Server {
    child: Child,
    /// `127.0.0.1:port`, for raw connections.
    pub addr: String,
    base: String,
    pub client: reqwest::Client,
}

impl Server {
    /// Starts the binary on `database_url` with `dir` as its working
    /// directory, holding its data, uploads and the log `log_name`: like a
    /// deployment, it has nothing of the source tree at hand.
    pub async fn start(database_url: &str, dir: &Path, log_name: &str) -> Self {
        Self::start_with(database_url, dir, log_name, &[]).await
    }

    /// [`Self::start`] with more settings in the environment.
    pub async fn start_with(
        database_url: &str,
        dir: &Path,
        log_name: &str,
        settings: &[(&str, &str)],
    ) -> Self {
        let port = free_port();
        let log = std::fs::File::create(dir.join(log_name)).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_shutterbug"))
            .envs(settings.iter().copied())
            .current_dir(dir)
            .env_remove("STATIC_DIR")
            .env("DATABASE_URL", database_url)
            .env("DATA_DIR", dir.join("data"))
            .env("UPLOAD_DIR", dir.join("uploads"))
            .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
            .env("BCRYPT_COST", "4")
            .env("RATE_LIMITS", "off")
            .env("SHUTDOWN_TIMEOUT", "30s")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start the server binary");
        let addr = format!("127.0.0.1:{port}");
        let server = Self {
            child,
            base: format!("http://{addr}"),
            addr,
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

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn post_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> (StatusCode, Value) {
        let mut request = self.client.post(self.url(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read(request.send().await.expect("request")).await
    }

    /// SIGTERM: the graceful shutdown starts.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits for the process to end by itself and says how it ended.
    pub async fn exit_status(&mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll the server") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop in {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn register(&self, username: &str) -> String {
        let (status, body) = self
            .post_json(
                "/api/auth/register",
                None,
                json!({"username": username, "email": format!("{username}@example.com"), "password": format!("password-{username}")}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["access_token"].as_str().expect("token").to_owned()
    }

    /// Publishes a small one-photo post and returns its id.
    pub async fn post_photo(&self, token: &str, caption: &str) -> i64 {
        let form = reqwest::multipart::Form::new()
            .text("caption", caption.to_owned())
            .part(
                "image",
                reqwest::multipart::Part::bytes(png(40, 30)).file_name("a.png"),
            );
        let response = self
            .client
            .post(self.url("/api/posts"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("post");
        let (status, post) = read(response).await;
        assert_eq!(status, StatusCode::CREATED, "{post}");
        post["id"].as_i64().expect("post id")
    }

    pub async fn get_json(&self, path: &str, token: &str) -> Value {
        let response = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let (status, body) = read(response).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    }

    /// SIGKILL: no graceful shutdown, no flushing beyond what was committed.
    pub fn crash(mut self) {
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
