//! What the instances of one deployment share through Redis (`REDIS_URL`):
//! live events ([`RedisBroker`]) and abuse limits ([`SharedLimits`]).
//!
//! Both go through one [`Redis`] handle: one multiplexed connection (the
//! `redis` crate's `ConnectionManager`, which reconnects by itself) for
//! every command of the instance, plus the one dedicated connection pub/sub
//! needs. Whatever else comes to live in Redis takes the same handle.

mod broker;
mod limits;

use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig, PubSub};

pub use broker::{RedisBroker, RedisHealth};
pub use limits::SharedLimits;

/// The longest wait between two attempts to reach Redis.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// One instance's way to Redis. Cheap to clone: every clone shares the
/// same connection.
#[derive(Clone)]
pub struct Redis {
    client: redis::Client,
    connection: ConnectionManager,
    prefix: Arc<str>,
}

impl Redis {
    /// Sets up the connection, made on first use: an instance starts (and
    /// runs, degraded) while Redis is down. `prefix` starts every key and
    /// channel, so deployments (or tests) can share one Redis.
    pub fn open(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url).map_err(|e| anyhow::anyhow!("REDIS_URL: {e}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_max_delay(MAX_BACKOFF);
        let connection = ConnectionManager::new_lazy_with_config(client.clone(), config)
            .map_err(|e| anyhow::anyhow!("REDIS_URL: {e}"))?;
        Ok(Self {
            client,
            connection,
            prefix: prefix.into(),
        })
    }

    /// The shared connection, for commands and scripts.
    fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }

    /// A connection of its own subscribed to `channel`: a subscribed
    /// connection can carry nothing else.
    async fn subscribe(&self, channel: &str) -> redis::RedisResult<PubSub> {
        let mut pubsub = self.client.get_async_pubsub().await?;
        pubsub.subscribe(channel).await?;
        Ok(pubsub)
    }

    /// `name` under this deployment's prefix.
    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }
}
