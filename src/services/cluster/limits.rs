//! Abuse limits shared by every instance, kept in Redis.
//!
//! Each check is one Lua script, so it is atomic however many instances
//! ask at once. A rate is a GCRA on Redis' own clock (`TIME`): the key
//! holds the bucket's theoretical arrival time, which is exactly the
//! in-process token bucket's "burst, then one per interval" written as one
//! number, and expires when the bucket would be full again. The sign-in
//! lock is a counter whose window starts at its first failure.
//!
//! Redis must never make a request fail or wait: every call has a short
//! timeout, and after a failure the limits skip Redis for a moment. `None`
//! from any method means "Redis did not answer": the caller falls back to
//! the in-process limits.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use redis::{FromRedisValue, Script, ScriptInvocation};
use sha2::{Digest, Sha256};

use super::Redis;
use crate::config::Rate;

/// How long one check may wait for Redis before the in-process limits
/// decide instead.
const CHECK_TIMEOUT: Duration = Duration::from_millis(200);
/// How long the limits stay in-process after Redis failed to answer.
const PAUSE_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// KEYS[1]: the bucket. ARGV[1]: µs per token; ARGV[2]: the burst, in µs.
/// Takes a token and answers 0, or answers the µs until there is one.
const TAKE: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = math.max(tonumber(redis.call('GET', KEYS[1])) or now, now)
local next_tat = tat + interval
local wait = next_tat - burst - now
if wait > 0 then
  return wait
end
redis.call('SET', KEYS[1], string.format('%d', next_tat), 'PX', math.ceil((next_tat - now) / 1000))
return 0
";

/// KEYS[1]: a login's failures. ARGV[1]: the window, in ms. Counts one
/// failure; the first one starts the window.
const FAIL: &str = r"
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return count
";

/// KEYS[1]: a login's failures. ARGV[1]: how many lock it. Answers the ms
/// the lock has left, or 0 when the login is not locked.
const LOCKED: &str = r"
local count = tonumber(redis.call('GET', KEYS[1])) or 0
if count < tonumber(ARGV[1]) then
  return 0
end
return math.max(redis.call('PTTL', KEYS[1]), 1)
";

/// The limits' half in Redis. Cheap to clone.
#[derive(Clone)]
pub struct SharedLimits {
    inner: Arc<Inner>,
}

struct Inner {
    redis: Redis,
    take: Script,
    fail: Script,
    locked: Script,
    /// Time zero for `skip_until`.
    started: Instant,
    /// Until when (µs after `started`) Redis is not asked.
    skip_until: AtomicU64,
}

impl SharedLimits {
    pub fn new(redis: &Redis) -> Self {
        Self {
            inner: Arc::new(Inner {
                redis: redis.clone(),
                take: Script::new(TAKE),
                fail: Script::new(FAIL),
                locked: Script::new(LOCKED),
                started: Instant::now(),
                skip_until: AtomicU64::new(0),
            }),
        }
    }

    /// Takes one token from the bucket `name` fills at `rate`: `Ok` or the
    /// wait until there is one.
    pub async fn take(&self, name: &str, rate: Rate) -> Option<Result<(), Duration>> {
        let interval = (1e6 / rate.per_second).round().max(1.0);
        let burst = rate.burst * interval;
        let key = self.inner.redis.key(&format!("limits:{name}"));
        let mut call = self.inner.take.key(key);
        call.arg(interval as u64).arg(burst as u64);
        let wait: u64 = self.run(&call).await?;
        Some(match wait {
            0 => Ok(()),
            micros => Err(Duration::from_micros(micros)),
        })
    }

    /// How long `account` stays locked, if it has failed `limit` times
    /// within its window.
    pub async fn locked_for(&self, account: &str, limit: u32) -> Option<Option<Duration>> {
        let mut call = self.inner.locked.key(self.failures_key(account));
        call.arg(limit);
        let left: u64 = self.run(&call).await?;
        Some((left > 0).then(|| Duration::from_millis(left)))
    }

    /// Counts one failed sign-in on `account`.
    pub async fn failed(&self, account: &str, window: Duration) -> Option<()> {
        let mut call = self.inner.fail.key(self.failures_key(account));
        call.arg(u64::try_from(window.as_millis()).unwrap_or(u64::MAX));
        let _count: u64 = self.run(&call).await?;
        Some(())
    }

    /// Forgets `account`'s failures.
    pub async fn succeeded(&self, account: &str) -> Option<()> {
        let mut connection = self.inner.redis.connection();
        let mut forget = redis::cmd("DEL");
        forget.arg(self.failures_key(account));
        let _forgotten: u64 = self.settle(forget.query_async(&mut connection)).await?;
        Some(())
    }

    /// Logins are typed by clients and may be long: the key holds a hash.
    fn failures_key(&self, account: &str) -> String {
        let digest = Sha256::digest(account.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.inner.redis.key(&format!("limits:failures:{hex}"))
    }

    async fn run<T: FromRedisValue>(&self, call: &ScriptInvocation<'_>) -> Option<T> {
        let mut connection = self.inner.redis.connection();
        self.settle(call.invoke_async(&mut connection)).await
    }

    /// Waits for Redis' answer within [`CHECK_TIMEOUT`], unless Redis failed
    /// a moment ago; a failure or a timeout pauses the shared limits.
    async fn settle<T>(
        &self,
        answer: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Option<T> {
        let now = self.micros_since_start();
        if now < self.inner.skip_until.load(Ordering::Relaxed) {
            return None;
        }
        let failure = match tokio::time::timeout(CHECK_TIMEOUT, answer).await {
            Ok(Ok(value)) => return Some(value),
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no answer within {CHECK_TIMEOUT:?}"),
        };
        let pause = u64::try_from(PAUSE_AFTER_FAILURE.as_micros()).unwrap_or(u64::MAX);
        self.inner
            .skip_until
            .store(self.micros_since_start() + pause, Ordering::Relaxed);
        tracing::warn!(error = %failure, "shared limits unavailable; limiting in-process for now");
        None
    }

    fn micros_since_start(&self) -> u64 {
        u64::try_from(self.inner.started.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}
