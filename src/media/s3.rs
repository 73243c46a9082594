//! Media in an S3-compatible bucket, through the `object_store` crate:
//! one small client for AWS and for S3-compatible servers (path-style
//! requests, so any endpoint works), no SDK.

use std::time::Duration;

use anyhow::Context;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, PutOptions,
    PutPayload, RetryConfig,
};

use super::blob::{BlobFuture, BlobStore};
use crate::config::S3Settings;
use crate::domain::error::{ApiError, ApiResult};
use crate::domain::MediaUrls;

/// A request to the bucket gives up after this, so an outage is answered
/// `503` within a few seconds instead of holding the upload.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Retries of one request (object_store retries 5xx and network errors).
const RETRY: RetryConfig = RetryConfig {
    backoff: BackoffConfig {
        init_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_secs(1),
        base: 2.0,
    },
    max_retries: 2,
    retry_timeout: Duration::from_secs(4),
};

/// Stored files as objects under `prefix` in one bucket.
pub struct S3Bucket {
    store: AmazonS3,
    prefix: String,
    base_url: String,
}

impl S3Bucket {
    /// Builds the client; nothing is sent until the first request.
    pub fn new(settings: &S3Settings, base_url: String) -> anyhow::Result<Self> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_virtual_hosted_style_request(false)
            .with_retry(RETRY)
            .with_client_options(
                ClientOptions::new()
                    .with_timeout(REQUEST_TIMEOUT)
                    .with_connect_timeout(CONNECT_TIMEOUT),
            );
        if let Some(endpoint) = &settings.endpoint {
            builder = builder
                .with_allow_http(endpoint.starts_with("http://"))
                .with_endpoint(endpoint);
        }
        if let (Some(id), Some(secret)) = (&settings.access_key_id, &settings.secret_access_key) {
            builder = builder
                .with_access_key_id(id)
                .with_secret_access_key(&secret.0);
        }
        if let Some(token) = &settings.session_token {
            builder = builder.with_token(&token.0);
        }
        let store = builder
            .build()
            .with_context(|| format!("MEDIA_STORE: cannot use bucket {}", settings.bucket))?;
        Ok(Self {
            store,
            prefix: settings.prefix.clone(),
            base_url,
        })
    }

    fn path(&self, key: &str) -> ApiResult<Path> {
        let full = if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}/{key}", self.prefix)
        };
        Path::parse(&full)
            .with_context(|| format!("{key:?} is not a valid object key"))
            .map_err(ApiError::Internal)
    }
}

impl MediaUrls for S3Bucket {
    fn url(&self, key: &str) -> String {
        format!("{}/{key}", self.base_url)
    }
}

impl BlobStore for S3Bucket {
    fn put<'a>(&'a self, key: &'a str, data: Vec<u8>) -> BlobFuture<'a, ApiResult<()>> {
        Box::pin(async move {
            let path = self.path(key)?;
            // Served straight from the bucket (or a CDN before it): the same
            // headers as `/uploads` gives local files.
            let mut attributes = Attributes::new();
            attributes.insert(Attribute::ContentType, "image/jpeg".into());
            attributes.insert(
                Attribute::CacheControl,
                "public, max-age=31536000, immutable".into(),
            );
            let options = PutOptions {
                attributes,
                ..PutOptions::default()
            };
            // A single PUT: the object appears whole or not at all.
            self.store
                .put_opts(&path, PutPayload::from(data), options)
                .await
                .map(drop)
                .with_context(|| format!("storing {key} in the bucket"))
                .map_err(ApiError::Unavailable)
        })
    }

    fn delete(&self, keys: Vec<String>) -> BlobFuture<'_, Vec<String>> {
        Box::pin(async move {
            let mut failed = Vec::new();
            for key in keys {
                let path = match self.path(&key) {
                    Ok(path) => path,
                    Err(e) => {
                        tracing::warn!(key, error = %e, "refused to delete an invalid key");
                        continue;
                    }
                };
                match self.store.delete(&path).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => {
                        tracing::warn!(key, error = %e, "cannot delete a stored object; will retry");
                        failed.push(key);
                    }
                }
            }
            failed
        })
    }
}
