//! A real S3 API on a random local port: `s3s-fs` (an S3 server over a
//! directory) inside the test process, with signature checking on. Objects
//! live as plain files under `<root>/<bucket>/`, so a test can list them.
//! Reads need no signature (a public-read bucket, as behind a CDN); every
//! other operation must be signed with the test credentials.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::extract::Request;
use axum::response::IntoResponse;
use s3s::access::{S3Access, S3AccessContext};
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use s3s::S3Result;
use tempfile::TempDir;
use tower::Service;

pub const BUCKET: &str = "media";
pub const PREFIX: &str = "test";
const ACCESS_KEY: &str = "test-access-key";
const SECRET_KEY: &str = "test-secret-key";

pub struct S3Server {
    pub addr: SocketAddr,
    root: TempDir,
}

/// Anonymous `GetObject` is allowed, everything else needs credentials.
struct PublicRead;

#[async_trait::async_trait]
impl S3Access for PublicRead {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        if cx.credentials().is_some() || cx.s3_op().name() == "GetObject" {
            Ok(())
        } else {
            Err(s3s::s3_error!(AccessDenied, "a signature is required"))
        }
    }
}

impl S3Server {
    pub async fn start() -> Self {
        let root = tempfile::tempdir().expect("S3 root");
        std::fs::create_dir(root.path().join(BUCKET)).expect("bucket directory");
        let fs = s3s_fs::FileSystem::new(root.path()).expect("s3s-fs");
        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        builder.set_access(PublicRead);
        let service = builder.build();
        let app = axum::Router::new().fallback(move |request: Request| {
            let mut service = service.clone();
            async move {
                match Service::call(&mut service, request).await {
                    Ok(response) => response.map(axum::body::Body::new).into_response(),
                    Err(e) => (reqwest::StatusCode::INTERNAL_SERVER_ERROR, format!("{e:?}"))
                        .into_response(),
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind S3");
        let addr = listener.local_addr().expect("S3 addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, root }
    }

    /// The app's settings for this bucket, reached at `endpoint` (this
    /// server, or a proxy in front of it).
    pub fn settings(&self, endpoint: SocketAddr) -> Vec<(String, String)> {
        [
            ("MEDIA_STORE", format!("s3://{BUCKET}/{PREFIX}")),
            ("AWS_ENDPOINT_URL", format!("http://{endpoint}")),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
            // Media URLs point at the server itself, never through a proxy.
            (
                "MEDIA_BASE_URL",
                format!("http://{}/{BUCKET}/{PREFIX}", self.addr),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Where the app's objects are, as files.
    pub fn objects_dir(&self) -> PathBuf {
        self.root.path().join(BUCKET).join(PREFIX)
    }
}
