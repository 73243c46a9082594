//! Durability: what the API has confirmed survives a crash, and a SIGTERM
//! under load finishes what is in flight and leaves nothing half-written.
//! Both run the real `shutterbug` binary and start it again on the same data.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use std::time::Duration;

use common::binary::Server;
use common::{files_under, png, read, PgDatabase};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn confirmed_writes_survive_a_crash(database_url: &str) {
    let dir = tempfile::tempdir().expect("temp dir");

    let server = Server::start(database_url, dir.path(), "first.log").await;
    let token = server.register("ana").await;
    let post_id = server.post_photo(&token, "before the crash #durable").await;

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

/// A photo post written by hand on a raw connection, so the test decides
/// when each half of the body goes out.
struct RawUpload {
    head_and_first_half: Vec<u8>,
    second_half: Vec<u8>,
}

impl RawUpload {
    fn new(token: &str, caption: &str, image: &[u8]) -> Self {
        let boundary = "shutterbug-test-boundary";
        let mut body = format!(
            "--{boundary}\r\ncontent-disposition: form-data; name=\"caption\"\r\n\r\n{caption}\r\n\
             --{boundary}\r\ncontent-disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\
             content-type: image/png\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(image);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut request = format!(
            "POST /api/posts HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {token}\r\n\
             content-type: multipart/form-data; boundary={boundary}\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        let second_half = body.split_off(body.len() / 2);
        request.extend_from_slice(&body);
        Self {
            head_and_first_half: request,
            second_half,
        }
    }
}

/// The status line and JSON body of a raw HTTP/1.1 answer (`connection: close`).
async fn read_raw_response(mut stream: TcpStream) -> (u16, Value) {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read the answer");
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {text}"));
    let body = text.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// SIGTERM arrives while uploads are half sent, one upload is being
/// processed for a client that already hung up, and comments stream in.
/// The half-sent uploads complete with 201, the server exits cleanly, and on
/// restart every confirmed write is there, every post has its media, every
/// file on disk belongs to a post and no comment exists that was not confirmed.
async fn sigterm_lets_work_in_flight_finish(database_url: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = Server::start(database_url, dir.path(), "first.log").await;
    let token = server.register("ana").await;
    let addr = server.addr.clone();
    let photo = png(1200, 900);
    let target = server.post_photo(&token, "the commented post").await;

    // Comments from four clients until the server goes away; each counts
    // the comments confirmed to it.
    let commenters: Vec<_> = (0..4)
        .map(|k| {
            let client = reqwest::Client::new();
            let url = server.url(&format!("/api/posts/{target}/comments"));
            let token = token.clone();
            tokio::spawn(async move {
                let mut confirmed = 0u32;
                for i in 0.. {
                    let sent = client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({"body": format!("comment {k}/{i}")}))
                        .send()
                        .await;
                    match sent {
                        Ok(response) if response.status() == StatusCode::CREATED => confirmed += 1,
                        Ok(response) => panic!("comment answered {}", response.status()),
                        Err(_) => break,
                    }
                }
                confirmed
            })
        })
        .collect();

    let mut half_sent = Vec::new();
    for k in 0..3 {
        let upload = RawUpload::new(&token, &format!("half sent {k}"), &photo);
        let mut stream = TcpStream::connect(&addr).await.expect("connect");
        stream
            .write_all(&upload.head_and_first_half)
            .await
            .expect("send the first half");
        half_sent.push((stream, upload.second_half));
    }
    let abandoned = RawUpload::new(&token, "the client hung up", &photo);
    let mut stream = TcpStream::connect(&addr).await.expect("connect");
    stream
        .write_all(&abandoned.head_and_first_half)
        .await
        .expect("send");
    stream
        .write_all(&abandoned.second_half)
        .await
        .expect("send");
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(stream);

    server.terminate();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        TcpStream::connect(&addr).await.is_err(),
        "a stopping server accepts no new connections"
    );
    let mut confirmed_posts = vec![target];
    for (mut stream, rest) in half_sent {
        stream.write_all(&rest).await.expect("send the second half");
        let (status, post) = read_raw_response(stream).await;
        assert_eq!(status, 201, "an upload in flight at SIGTERM: {post}");
        confirmed_posts.push(post["id"].as_i64().expect("post id"));
    }
    let status = server.exit_status(Duration::from_secs(30)).await;
    assert!(status.success(), "the server exited with {status}");
    let mut confirmed_comments = 0;
    for commenter in commenters {
        confirmed_comments += commenter.await.expect("commenter");
    }
    assert!(confirmed_comments > 0, "the comments ran during the test");

    // The signing key lives in the data directory: the token still works.
    let server = Server::start(database_url, dir.path(), "second.log").await;
    let grid = server
        .get_json("/api/users/ana/posts?limit=50", &token)
        .await;
    let posts = grid["items"].as_array().expect("posts");
    // Each image's files: display, thumbnail and, for a wide one, medium.
    let mut file_count = 0;
    for post in posts {
        let media = post["media"].as_array().expect("media");
        assert_eq!(media.len(), 1, "a post without its media: {post}");
        for image in media {
            file_count += ["url", "thumbnail_url", "medium_url"]
                .iter()
                .filter(|field| image[**field].is_string())
                .count();
        }
    }
    let ids: Vec<i64> = posts.iter().filter_map(|p| p["id"].as_i64()).collect();
    for id in &confirmed_posts {
        assert!(ids.contains(id), "confirmed post {id} is gone: {ids:?}");
    }
    // Confirmed posts plus, at most, the one whose client hung up.
    assert!(ids.len() <= confirmed_posts.len() + 1, "{ids:?}");
    assert_eq!(
        files_under(&dir.path().join("uploads")).len(),
        file_count,
        "every file of every image, and no orphan files"
    );
    let post = server
        .get_json(&format!("/api/posts/{target}"), &token)
        .await;
    assert_eq!(
        post["comment_count"].as_u64(),
        Some(u64::from(confirmed_comments)),
        "every confirmed comment, and only those"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("graceful.db").display());
    sigterm_lets_work_in_flight_finish(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_postgres() {
    let Some(database) = PgDatabase::create().await else {
        eprintln!("SKIPPED durability::sigterm_under_load_postgres: TEST_POSTGRES_URL is not set");
        return;
    };
    sigterm_lets_work_in_flight_finish(&database.url).await;
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

/// `shutterbug healthcheck`, the container's `HEALTHCHECK`, exits 0 while
/// the server on `LISTEN_ADDR` answers and fails once nothing listens there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_subcommand_reports_liveness() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite:{}", dir.path().join("health.db").display());
    let mut server = Server::start(&database_url, dir.path(), "health.log").await;
    let check = |addr: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_shutterbug"))
            .arg("healthcheck")
            .env("LISTEN_ADDR", addr)
            .env("DATA_DIR", dir.path().join("data"))
            .current_dir(dir.path())
            .status()
            .unwrap()
    };
    assert!(check(&server.addr).success(), "the server is up");
    server.terminate();
    assert!(server.exit_status(Duration::from_secs(30)).await.success());
    assert!(!check(&server.addr).success(), "nothing listens any more");
}
