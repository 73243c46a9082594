//! bcrypt hashing off the async runtime.
//!
//! A hash costs tens to hundreds of milliseconds of CPU, so it runs on the
//! blocking pool, and a semaphore sized to the cores bounds how many run at
//! once: a login storm queues up here instead of starving other requests.

use std::sync::Arc;

use anyhow::Context;
use tokio::sync::Semaphore;

use crate::domain::error::{ApiError, ApiResult};
use crate::domain::fields::NewPassword;

#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    permits: Arc<Semaphore>,
    /// Verified against when the login names no account, so that an unknown
    /// user costs exactly as much time as a wrong password.
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    pub async fn new(cost: u32) -> anyhow::Result<Self> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let dummy_hash =
            tokio::task::spawn_blocking(move || bcrypt::hash("not anybody's password", cost))
                .await
                .context("hashing task panicked")?
                .context("computing the dummy bcrypt hash")?;
        Ok(Self {
            cost,
            permits: Arc::new(Semaphore::new(cores)),
            dummy_hash: dummy_hash.into(),
        })
    }

    pub async fn hash(&self, password: NewPassword) -> ApiResult<String> {
        let cost = self.cost;
        let password = password.into_inner();
        let hash = self
            .run(move || bcrypt::hash(password, cost))
            .await?
            .context("bcrypt hash failed")?;
        Ok(hash)
    }

    /// Checks `password` against `hash`, or against the dummy hash when there
    /// is no account, always spending one bcrypt verification.
    pub async fn verify(&self, password: String, hash: Option<String>) -> ApiResult<bool> {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.to_string());
        let matches = self
            .run(move || bcrypt::verify(password, &hash).unwrap_or(false))
            .await?;
        Ok(known && matches)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> ApiResult<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| ApiError::Internal(anyhow::Error::new(e)))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("hashing task failed")))
    }
}
