//! Abuse limits: request rates per client address and per account, and a
//! lock on accounts that keep failing to sign in.
//!
//! With Redis (`REDIS_URL`) every instance counts in the same place
//! ([`SharedLimits`]), so N instances limit like one. Without it, or while
//! Redis does not answer, each instance counts in memory: keyed by address
//! or account, expiring (a sweeper drops keys idle longer than their
//! window, so the maps cannot grow without bound). Handlers see one type
//! either way.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use dashmap::DashMap;

use crate::config::{Rate, RateLimits};
use crate::domain::error::ApiError;
use crate::domain::ids::UserId;
use crate::http::state::AppState;
use crate::services::cluster::SharedLimits;

#[derive(Clone)]
pub struct Limits {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    settings: RateLimits,
    shared: Option<SharedLimits>,
    auth_by_ip: DashMap<IpAddr, Bucket>,
    writes_by_user: DashMap<UserId, Bucket>,
    failed_logins: DashMap<String, Failures>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    since: Instant,
}

impl Limits {
    /// `None` (`RATE_LIMITS=off`) turns every limit off, for load tests and
    /// benchmarks. `shared`: the limits in Redis, tried first.
    pub fn new(settings: Option<RateLimits>, shared: Option<SharedLimits>) -> Self {
        let inner = settings.map(|settings| {
            Arc::new(Inner {
                settings,
                shared,
                auth_by_ip: DashMap::new(),
                writes_by_user: DashMap::new(),
                failed_logins: DashMap::new(),
            })
        });
        let limits = Self { inner };
        limits.spawn_sweeper();
        limits
    }

    /// Charges one sign-up, sign-in or refresh to a client address.
    pub async fn auth_attempt(&self, ip: IpAddr) -> Result<(), ApiError> {
        let Some(inner) = &self.inner else {
            return Ok(());
        };
        let rate = inner.settings.auth_per_ip;
        if let Some(shared) = &inner.shared {
            if let Some(taken) = shared.take(&format!("auth:{ip}"), rate).await {
                return taken.map_err(|retry_after| ApiError::RateLimited { retry_after });
            }
        }
        take(&inner.auth_by_ip, ip, rate)
    }

    /// Charges one write to an account.
    pub async fn write(&self, user: UserId) -> Result<(), ApiError> {
        let Some(inner) = &self.inner else {
            return Ok(());
        };
        let rate = inner.settings.writes_per_user;
        if let Some(shared) = &inner.shared {
            if let Some(taken) = shared.take(&format!("write:{user}"), rate).await {
                return taken.map_err(|retry_after| ApiError::RateLimited { retry_after });
            }
        }
        take(&inner.writes_by_user, user, rate)
    }

    /// Refuses a sign-in to an account that failed too often lately,
    /// whatever address it comes from.
    pub async fn login_allowed(&self, account: &str) -> Result<(), ApiError> {
        let Some(inner) = &self.inner else {
            return Ok(());
        };
        let limit = inner.settings.failed_logins;
        let shared = match &inner.shared {
            Some(shared) => shared.locked_for(account, limit).await,
            None => None,
        };
        let locked_for = shared.unwrap_or_else(|| {
            let failures = inner.failed_logins.get(account).map(|f| *f)?;
            let window = inner.settings.failed_login_window;
            let elapsed = failures.since.elapsed();
            (failures.count >= limit && elapsed < window).then(|| window - elapsed)
        });
        match locked_for {
            Some(retry_after) => Err(ApiError::RateLimited { retry_after }),
            None => Ok(()),
        }
    }

    pub async fn login_failed(&self, account: &str) {
        let Some(inner) = &self.inner else { return };
        let window = inner.settings.failed_login_window;
        if let Some(shared) = &inner.shared {
            if shared.failed(account, window).await.is_some() {
                return;
            }
        }
        let mut entry = inner
            .failed_logins
            .entry(account.to_owned())
            .or_insert(Failures {
                count: 0,
                since: Instant::now(),
            });
        if entry.since.elapsed() >= window {
            *entry = Failures {
                count: 0,
                since: Instant::now(),
            };
        }
        entry.count += 1;
    }

    /// Forgets the account's failures, in Redis and here alike: those
    /// counted here while Redis was away count no longer either.
    pub async fn login_succeeded(&self, account: &str) {
        let Some(inner) = &self.inner else { return };
        if let Some(shared) = &inner.shared {
            shared.succeeded(account).await;
        }
        inner.failed_logins.remove(account);
    }

    /// Drops idle keys once a minute. Holds only a weak reference, so the
    /// task ends with the last `Limits`.
    fn spawn_sweeper(&self) {
        let Some(inner) = &self.inner else { return };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let weak = Arc::downgrade(inner);
        runtime.spawn(async move {
            let mut every_minute = tokio::time::interval(Duration::from_secs(60));
            loop {
                every_minute.tick().await;
                let Some(inner) = weak.upgrade() else { return };
                let settings = inner.settings;
                let auth_idle = settings.auth_per_ip.refill_time();
                let writes_idle = settings.writes_per_user.refill_time();
                inner
                    .auth_by_ip
                    .retain(|_, b| b.updated.elapsed() < auth_idle);
                inner
                    .writes_by_user
                    .retain(|_, b| b.updated.elapsed() < writes_idle);
                inner
                    .failed_logins
                    .retain(|_, f| f.since.elapsed() < settings.failed_login_window);
            }
        });
    }
}

/// Takes one token from `key`'s bucket, or says how long until there is one.
fn take<K: std::hash::Hash + Eq>(
    map: &DashMap<K, Bucket>,
    key: K,
    rate: Rate,
) -> Result<(), ApiError> {
    let now = Instant::now();
    let mut bucket = map.entry(key).or_insert(Bucket {
        tokens: rate.burst,
        updated: now,
    });
    let refill = now.duration_since(bucket.updated).as_secs_f64() * rate.per_second;
    bucket.tokens = (bucket.tokens + refill).min(rate.burst);
    bucket.updated = now;
    if bucket.tokens >= 1.0 {
        bucket.tokens -= 1.0;
        Ok(())
    } else {
        Err(ApiError::RateLimited {
            retry_after: Duration::from_secs_f64((1.0 - bucket.tokens) / rate.per_second),
        })
    }
}

/// The client's address: the peer, or, when the peer is a trusted proxy,
/// the last address in `X-Forwarded-For` that is not a trusted proxy.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip())
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no peer address on the request")))?;
        let trusted = &state.config.trusted_proxies;
        if !trusted.contains(&peer) {
            return Ok(Self(peer));
        }
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
            .collect::<Vec<_>>();
        let client = forwarded
            .into_iter()
            .rev()
            .find(|hop| !trusted.contains(hop))
            .unwrap_or(peer);
        Ok(Self(client))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn buckets_allow_a_burst_then_say_when_to_retry() {
        let limits = Limits::new(Some(RateLimits::default()), None);
        let ip: IpAddr = [10, 0, 0, 1].into();
        for _ in 0..30 {
            limits.auth_attempt(ip).await.unwrap();
        }
        match limits.auth_attempt(ip).await {
            Err(ApiError::RateLimited { retry_after }) => {
                assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_secs(2));
            }
            other => panic!("expected a rate limit, got {other:?}"),
        }
        // Another address is unaffected.
        limits.auth_attempt([10, 0, 0, 2].into()).await.unwrap();
    }

    #[tokio::test]
    async fn failed_logins_lock_the_account_until_a_success() {
        let limits = Limits::new(
            Some(RateLimits {
                failed_logins: 3,
                ..RateLimits::default()
            }),
            None,
        );
        for _ in 0..3 {
            limits.login_allowed("ana").await.unwrap();
            limits.login_failed("ana").await;
        }
        assert!(limits.login_allowed("ana").await.is_err());
        assert!(limits.login_allowed("bob").await.is_ok());
        limits.login_succeeded("ana").await;
        assert!(limits.login_allowed("ana").await.is_ok());
    }

    #[tokio::test]
    async fn off_means_off() {
        let limits = Limits::new(None, None);
        for _ in 0..1000 {
            limits.write(UserId(1)).await.unwrap();
        }
    }
}
