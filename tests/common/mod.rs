//! Test harness: the real app, on a random port, over a fresh database.
//!
//! Every test gets its own SQLite file in a temp dir, or its own PostgreSQL
//! database (created from `TEST_POSTGRES_URL`, dropped afterwards), so tests
//! run in parallel without seeing each other's rows.
#![allow(dead_code)]

pub mod binary;
pub mod proxy;
pub mod s3;
pub mod ws;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use rand::Rng;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection};
use tempfile::TempDir;
use tokio::sync::oneshot;

/// A fixed secret, so tests can mint their own (forged or expired) tokens.
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

/// Says a test is skipped because `missing` is absent, or fails it when
/// `CI` is set: CI machines have every tool and service, so an absence
/// there is a broken machine, not a reason to pass.
pub fn skip_unless_ci(test: &str, missing: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{test} cannot run on CI without: {missing}"
    );
    eprintln!("SKIPPED {test}: missing {missing}");
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(TestApp)` once per backend:
/// `name::sqlite` and `name::postgres`; with `settings = [...];` first, each
/// app starts with those settings too.
#[macro_export]
macro_rules! on_both_backends {
    (settings = $settings:expr; $($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::common::TestApp::spawn($crate::common::Backend::Sqlite, $settings).await;
                super::$name(app.expect("SQLite is always available")).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                match $crate::common::TestApp::spawn($crate::common::Backend::Postgres, $settings).await {
                    Some(app) => super::$name(app).await,
                    None => eprintln!("SKIPPED {}::postgres: TEST_POSTGRES_URL is not set", module_path!()),
                }
            }
        }
    )*};
    ($($name:ident),* $(,)?) => {
        $crate::on_both_backends!(settings = &[]; $($name),*);
    };
}

pub struct TestApp {
    pub addr: SocketAddr,
    /// Where the app's `/metrics` is served, as `METRICS_ADDR` would place it.
    pub metrics_addr: SocketAddr,
    pub client: reqwest::Client,
    pub backend: Backend,
    /// Shared with the app that a [`restart`](Self::restart) starts.
    pub dir: Arc<TempDir>,
    pub database_url: String,
    /// The running app's state, for checks no HTTP call can make.
    pub state: shutterbug::http::state::AppState,
    /// The S3 server holding the media, when they are not on the local disk.
    pub s3: Option<Arc<s3::S3Server>>,
    /// The environment the app was started with, for a restart.
    vars: HashMap<String, String>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    /// Dropped after the app, so the app's connections go first.
    database: Option<PgDatabase>,
}

impl TestApp {
    /// Starts the app; `None` for PostgreSQL when `TEST_POSTGRES_URL` is unset.
    /// On PostgreSQL the media go to an S3 server of their own (the
    /// PostgreSQL pass is the S3 pass), unless `settings` name a store.
    pub async fn spawn(backend: Backend, settings: &[(&str, &str)]) -> Option<Self> {
        let database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(PgDatabase::create().await?),
        };
        let on_s3 =
            backend == Backend::Postgres && !settings.iter().any(|(k, _)| *k == "MEDIA_STORE");
        if !on_s3 {
            return Some(Self::spawn_on(backend, database, settings).await);
        }
        let s3 = s3::S3Server::start().await;
        let mut all = s3.settings(s3.addr);
        all.extend(
            settings
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut app = Self::spawn_on(backend, database, &all).await;
        app.s3 = Some(Arc::new(s3));
        Some(app)
    }

    /// The settings another instance of the same deployment starts with:
    /// these, but its own data and upload directories.
    pub fn shared_settings(&self) -> Vec<(String, String)> {
        self.vars
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "DATA_DIR" | "UPLOAD_DIR"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The stored media files (their keys below the store's root), sorted.
    pub fn stored_media(&self) -> Vec<String> {
        match &self.s3 {
            Some(s3) => files_under(&s3.objects_dir()),
            None => files_under(&self.dir.path().join("uploads")),
        }
    }

    /// Where media URLs start, as this app hands them out.
    pub fn media_base_url(&self) -> &str {
        &self.state.config.media_base_url
    }

    /// A GET of a media URL: a path on this app, or a URL of the bucket.
    pub fn fetch_media(&self, url: &str) -> RequestBuilder {
        if url.starts_with("http://") {
            self.client.get(url)
        } else {
            self.request(Method::GET, url, None)
        }
    }

    /// Starts the app on `database`, or on a fresh SQLite file when `None`.
    /// `settings` win over everything, `DATABASE_URL` included (to reach
    /// `database` through a proxy, say).
    pub async fn spawn_on(
        backend: Backend,
        database: Option<PgDatabase>,
        settings: &[(&str, &str)],
    ) -> Self {
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        let database_url = match &database {
            Some(database) => database.url.clone(),
            None => format!("sqlite:{}", dir.path().join("test.db").display()),
        };

        let mut vars: HashMap<String, String> = [
            ("DATABASE_URL", database_url.as_str()),
            ("DATA_DIR", &dir.path().join("data").display().to_string()),
            (
                "UPLOAD_DIR",
                &dir.path().join("uploads").display().to_string(),
            ),
            ("JWT_SECRET", JWT_SECRET),
            ("BCRYPT_COST", "4"),
            ("SHUTDOWN_TIMEOUT", "5"),
            // Limits have tests of their own; elsewhere they would only get in the way.
            ("RATE_LIMITS", "off"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        for (k, v) in settings {
            vars.insert((*k).to_owned(), (*v).to_owned());
        }
        Self::start(backend, dir, database, vars).await
    }

    /// Stops the app gracefully and starts it again with the same settings,
    /// database and directories, as a restarted process would be.
    pub async fn restart(mut self) -> Self {
        let database = self.database.take();
        let (backend, dir, vars) = (self.backend, Arc::clone(&self.dir), self.vars.clone());
        let s3 = self.s3.take();
        self.stop().await;
        let mut app = Self::start(backend, dir, database, vars).await;
        app.s3 = s3;
        app
    }

    async fn start(
        backend: Backend,
        dir: Arc<TempDir>,
        database: Option<PgDatabase>,
        vars: HashMap<String, String>,
    ) -> Self {
        let database_url = vars["DATABASE_URL"].clone();
        let config =
            shutterbug::Config::from_lookup(|k| vars.get(k).cloned()).expect("test config");
        let app = shutterbug::build(config).await.expect("build app");
        let state = app.state.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let metrics = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind metrics");
        let metrics_addr = metrics.local_addr().expect("metrics addr");
        tokio::spawn(shutterbug::serve_metrics(
            app.metrics.clone(),
            metrics,
            app.state.config.header_read_timeout,
        ));
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(shutterbug::serve(app, listener, async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            metrics_addr,
            client: reqwest::Client::new(),
            backend,
            dir,
            database_url,
            state,
            s3: None,
            vars,
            stop: Some(stop),
            server: Some(server),
            database,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let request = self.client.request(method, self.url(path));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        send(self.request(Method::GET, path, token)).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        send(self.request(Method::POST, path, token).json(&body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        send(self.request(Method::PUT, path, token)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        send(self.request(Method::PATCH, path, token).json(&body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        send(self.request(Method::DELETE, path, token)).await
    }

    /// Registers `username` (e-mail `<username>@example.com`, password
    /// `password-<username>`) and returns the signed-in session.
    pub async fn register(&self, username: &str) -> Session {
        let (status, body) = self
            .post(
                "/api/auth/register",
                None,
                json!({
                    "username": username,
                    "email": format!("{username}@example.com"),
                    "password": format!("password-{username}"),
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "register {username}: {body}");
        Session::from_body(&body)
    }

    /// Signs `username` (registered by [`register`](Self::register)) in
    /// again: a session of its own, as from another device.
    pub async fn login(&self, username: &str) -> Session {
        let (status, body) = self
            .post(
                "/api/auth/login",
                None,
                json!({"login": username, "password": format!("password-{username}")}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
        Session::from_body(&body)
    }

    /// Trades a refresh token at `/api/auth/refresh`; the answer as it came.
    pub async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        self.post(
            "/api/auth/refresh",
            None,
            json!({"refresh_token": refresh_token}),
        )
        .await
    }

    /// Signs `session` out.
    pub async fn logout(&self, session: &Session) {
        let (status, body) = self
            .post(
                "/api/auth/logout",
                None,
                json!({"refresh_token": session.refresh_token}),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "logout: {body}");
    }

    /// Stops the server (graceful shutdown) and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server result");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A PostgreSQL database of its own, created from `TEST_POSTGRES_URL` and
/// dropped (with its connections) when this is dropped.
pub struct PgDatabase {
    pub url: String,
    pub admin_url: String,
    pub name: String,
}

impl PgDatabase {
    /// `None` when `TEST_POSTGRES_URL` is unset.
    pub async fn create() -> Option<Self> {
        let admin_url = std::env::var("TEST_POSTGRES_URL").ok()?;
        let name = format!("shutterbug_t_{:016x}", rand::thread_rng().gen::<u64>());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .expect("TEST_POSTGRES_URL must reach PostgreSQL");
        admin
            .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
            .await
            .expect("create test database");
        Some(Self {
            url: replace_database(&admin_url, &name),
            admin_url,
            name,
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop is synchronous: drop the database from a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await?;
                admin
                    .execute(format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#).as_str())
                    .await?;
                Ok::<_, sqlx::Error>(())
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
    }
}

/// `url` with its database name replaced by `name`.
pub fn replace_database(url: &str, name: &str) -> String {
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

/// Sends a request and reads the answer as JSON (`Null` for an empty body).
pub async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("request failed");
    read(response).await
}

pub async fn read(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let bytes = response.bytes().await.expect("response body");
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            panic!(
                "{status}: body is not JSON: {}",
                String::from_utf8_lossy(&bytes)
            )
        })
    };
    (status, value)
}

/// Asserts the contract's error shape and returns the error code.
pub fn error_code(body: &Value) -> &str {
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("not an error body: {body}"));
    assert!(
        body["error"]["message"].is_string(),
        "error without message: {body}"
    );
    code
}

/// A signed-in user as the API handed it out.
#[derive(Clone, Debug)]
pub struct Session {
    pub user_id: i64,
    pub username: String,
    pub token: String,
    pub refresh_token: String,
}

impl Session {
    pub fn from_body(body: &Value) -> Self {
        Self {
            user_id: body["user"]["id"].as_i64().expect("user.id"),
            username: body["user"]["username"]
                .as_str()
                .expect("user.username")
                .to_owned(),
            token: body["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
            refresh_token: body["refresh_token"]
                .as_str()
                .expect("refresh_token")
                .to_owned(),
        }
    }

    pub fn token(&self) -> Option<&str> {
        Some(&self.token)
    }
}

/// A PNG of `width`×`height` with a gradient, made on the spot.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            (x * 255 / width.max(1)) as u8,
            (y * 255 / height.max(1)) as u8,
            128,
        ])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Png)
        .expect("encode PNG");
    bytes.into_inner()
}

impl TestApp {
    /// Publishes a post with the given images and caption; returns the answer.
    pub async fn post_photos(
        &self,
        session: &Session,
        images: Vec<Vec<u8>>,
        caption: &str,
    ) -> (StatusCode, Value) {
        let mut form = reqwest::multipart::Form::new().text("caption", caption.to_owned());
        for (i, bytes) in images.into_iter().enumerate() {
            let part = reqwest::multipart::Part::bytes(bytes).file_name(format!("photo{i}.png"));
            form = form.part("image", part);
        }
        send(
            self.request(Method::POST, "/api/posts", session.token())
                .multipart(form),
        )
        .await
    }

    /// Publishes a one-photo post and returns it.
    pub async fn post_photo(&self, session: &Session, caption: &str) -> Value {
        let (status, body) = self.post_photos(session, vec![png(64, 48)], caption).await;
        assert_eq!(status, StatusCode::CREATED, "post: {body}");
        body
    }

    /// The ids of a page's items.
    pub async fn ids(&self, path: &str, token: Option<&str>) -> Vec<i64> {
        let (status, body) = self.get(path, token).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        page_ids(&body)
    }
}

impl TestApp {
    /// Every item of a paged list, following `next_cursor` to the end.
    pub async fn all_items(&self, path: &str, token: Option<&str>) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut request = self
                .request(Method::GET, path, token)
                .query(&[("limit", "100")]);
            if let Some(cursor) = &cursor {
                request = request.query(&[("cursor", cursor)]);
            }
            let (status, page) = send(request).await;
            assert_eq!(status, StatusCode::OK, "{path}: {page}");
            items.extend(page["items"].as_array().expect("a page").iter().cloned());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return items,
            }
        }
    }
}

pub fn page_ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .iter()
        .map(|item| item["id"].as_i64().expect("item id"))
        .collect()
}

/// Every file below `dir`, as paths relative to it.
pub fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                found.push(relative.display().to_string());
            }
        }
    }
    found.sort();
    found
}

/// A TIFF-in-APP1 EXIF block: orientation `orientation` and a GPS position.
pub fn exif_app1(orientation: u16) -> Vec<u8> {
    fn entry(tiff: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]) {
        tiff.extend_from_slice(&tag.to_le_bytes());
        tiff.extend_from_slice(&kind.to_le_bytes());
        tiff.extend_from_slice(&count.to_le_bytes());
        tiff.extend_from_slice(&value);
    }
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const ASCII: u16 = 2;
    const RATIONAL: u16 = 5;
    let (ifd0, gps_ifd, rationals) = (8u32, 38u32, 68u32);

    let mut tiff = b"II\x2a\x00".to_vec();
    tiff.extend_from_slice(&ifd0.to_le_bytes());
    tiff.extend_from_slice(&2u16.to_le_bytes());
    let [lo, hi] = orientation.to_le_bytes();
    entry(&mut tiff, 0x0112, SHORT, 1, [lo, hi, 0, 0]);
    entry(&mut tiff, 0x8825, LONG, 1, gps_ifd.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(tiff.len() as u32, gps_ifd);
    tiff.extend_from_slice(&2u16.to_le_bytes());
    entry(&mut tiff, 0x0001, ASCII, 2, *b"N\0\0\0");
    entry(&mut tiff, 0x0002, RATIONAL, 3, rationals.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(tiff.len() as u32, rationals);
    for (num, den) in [(48u32, 1u32), (51, 1), (2_900, 100)] {
        tiff.extend_from_slice(&num.to_le_bytes());
        tiff.extend_from_slice(&den.to_le_bytes());
    }

    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&tiff);
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&(payload.len() as u16 + 2).to_be_bytes());
    segment.extend_from_slice(&payload);
    segment
}

/// The markers of a JPEG's header segments, up to the start of scan.
pub fn jpeg_markers(jpeg: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], [0xFF, 0xD8]);
    let mut markers = Vec::new();
    let mut at = 2;
    while at + 4 <= jpeg.len() {
        assert_eq!(jpeg[at], 0xFF, "segment at {at}");
        let marker = jpeg[at + 1];
        markers.push(marker);
        if marker == 0xDA {
            break;
        }
        at += 2 + usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
    }
    markers
}

/// Local deletions do not fail in tests; one that did would be a failure.
struct NothingDeferred;

impl shutterbug::media::DeletionQueue for NothingDeferred {
    fn defer(&self, keys: Vec<String>) -> shutterbug::media::BlobFuture<'_, ()> {
        panic!("deleting {keys:?} from the local disk failed")
    }
}

/// The media store on the local disk under `dir`, served from `/uploads`.
pub fn local_media(dir: &std::path::Path, max_image_bytes: usize) -> shutterbug::media::MediaStore {
    shutterbug::media::MediaStore::new(
        Arc::new(shutterbug::media::LocalDisk::new(
            dir.to_path_buf(),
            "/uploads".to_owned(),
        )),
        Arc::new(NothingDeferred),
        max_image_bytes,
    )
}
