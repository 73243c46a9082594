//! Settings read once at start-up from the environment (and an optional `.env`).
//!
//! Every variable has a safe default except where none exists; a bad value
//! stops the start-up with a message naming the variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};

/// The whole configuration of one server process.
#[derive(Clone, Debug)]
pub struct Config {
    pub listen_addr: SocketAddr,
    /// `sqlite:…` or `postgres://…`.
    pub database_url: String,
    /// How long a request waits for a database connection before a 503.
    pub database_acquire_timeout: Duration,
    /// PostgreSQL connections this instance may open; `None`: the store's default.
    pub database_max_connections: Option<u32>,
    /// Holds the default SQLite database and the generated JWT secret.
    pub data_dir: PathBuf,
    /// `None` means: generate one and keep it in `data_dir`.
    pub jwt_secret: Option<Secret>,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub bcrypt_cost: u32,
    pub upload_dir: PathBuf,
    /// Where media are stored: `None` is the local disk under `upload_dir`.
    pub media_store: Option<S3Settings>,
    /// The URL prefix clients fetch stored media from (a key is appended).
    pub media_base_url: String,
    /// How often deletions that failed (the store was unreachable) are retried.
    pub media_sweep_interval: Duration,
    /// `redis://…`: live events and abuse limits cross instances through this Redis.
    pub redis_url: Option<Secret>,
    /// Prepended to every Redis channel and key, so instances of different
    /// deployments (or tests) can share one Redis.
    pub redis_prefix: String,
    /// Serve the front end from this directory instead of the copy built
    /// into the binary, so edits show without a rebuild.
    pub static_dir: Option<PathBuf>,
    /// Origins allowed by CORS and for browser WebSocket upgrades besides our own.
    pub cors_origins: Vec<String>,
    pub max_image_bytes: usize,
    /// How long in-flight requests may take to finish after SIGTERM.
    pub shutdown_timeout: Duration,
    /// How long a WebSocket client has to authenticate.
    pub ws_auth_timeout: Duration,
    /// How often live sockets are pinged; one unanswered ping drops them.
    pub ws_ping_interval: Duration,
    /// Events that may wait for one live socket before it counts as too slow.
    pub ws_queue_capacity: usize,
    /// The abuse limits; `None` when `RATE_LIMITS=off` (load tests, benchmarks).
    pub rate_limits: Option<RateLimits>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Requests handled at once; the excess is answered 503 at once.
    pub max_in_flight: usize,
    /// The longest a request may take before it is answered 503.
    pub request_timeout: Duration,
    /// How long a connection may take to send a request's headers.
    pub header_read_timeout: Duration,
    /// Where `/metrics` is served; `None`: nowhere.
    pub metrics_addr: Option<SocketAddr>,
    /// Live sockets one account may hold at once.
    pub ws_max_sessions_per_user: usize,
    /// Upload bytes that may be held in memory at once, over all requests.
    pub upload_memory_budget: usize,
    /// `ADMIN_USERNAMES`: accounts made admins at start-up and on sign-up
    /// (comma-separated, lower-cased); empty means no admin is named.
    pub admin_usernames: Vec<String>,
}

/// A string that never shows up in `Debug` output or logs.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// An S3-compatible bucket, from `MEDIA_STORE=s3://bucket/prefix` and the
/// standard AWS variables.
#[derive(Clone, Debug)]
pub struct S3Settings {
    pub bucket: String,
    /// Prepended to every key, without slashes at either end; may be empty.
    pub prefix: String,
    /// `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`; `None` is AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    /// Unset: the credentials of the environment (instance profile, web identity).
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
    pub session_token: Option<Secret>,
}

/// The shortest `JWT_SECRET` accepted: 256 bits, the size of the HS256 key.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// The bounds of `ACCESS_TOKEN_TTL`.
pub const MIN_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(1);
pub const MAX_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(365 * 86_400);

impl Config {
    /// Reads the process environment, after loading `.env` if there is one.
    pub fn from_env() -> anyhow::Result<Self> {
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => return Err(e).context("reading .env"),
        }
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Builds the configuration from any key-value source; tests pass a map.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let var = |key: &str| get(key).filter(|v| !v.trim().is_empty());

        let data_dir = PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite:{}", data_dir.join("shutterbug.db").display()));
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            bail!("DATABASE_URL must start with sqlite: or postgres://");
        }

        let jwt_secret = match var("JWT_SECRET") {
            Some(s) if s.len() < MIN_JWT_SECRET_BYTES => {
                bail!("JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes long")
            }
            other => other.map(Secret),
        };

        let access_token_ttl = duration(&var, "ACCESS_TOKEN_TTL", Duration::from_secs(15 * 60))?;
        // Tokens count whole seconds; a year bounds the time arithmetic.
        if !(MIN_ACCESS_TOKEN_TTL..=MAX_ACCESS_TOKEN_TTL).contains(&access_token_ttl) {
            bail!("ACCESS_TOKEN_TTL must be between 1s and 365d");
        }

        let bcrypt_cost = parse(&var, "BCRYPT_COST", 12u32)?;
        if !(4..=31).contains(&bcrypt_cost) {
            bail!("BCRYPT_COST must be between 4 and 31");
        }

        let media_store = match var("MEDIA_STORE") {
            None => None,
            Some(raw) if raw.trim() == "local" => None,
            Some(raw) => Some(s3_settings(&var, raw.trim())?),
        };
        let media_base_url = match var("MEDIA_BASE_URL") {
            Some(raw) => base_url(raw.trim())?,
            None => default_base_url(media_store.as_ref()),
        };

        let redis_url = match var("REDIS_URL") {
            Some(url) if !(url.starts_with("redis://") || url.starts_with("rediss://")) => {
                bail!("REDIS_URL must start with redis:// or rediss://")
            }
            other => other.map(Secret),
        };
        // Several instances must not split the brain: each would generate its
        // own secret (and refuse the others' tokens), or keep its own files.
        if redis_url.is_some() {
            if jwt_secret.is_none() {
                bail!("JWT_SECRET must be set when REDIS_URL is: instances with generated secrets refuse each other's tokens");
            }
            if media_store.is_none() && !switch(&var, "ALLOW_LOCAL_MEDIA", false)? {
                bail!("MEDIA_STORE must name a bucket (s3://…) when REDIS_URL is, or ALLOW_LOCAL_MEDIA=on must say that UPLOAD_DIR is shared by every instance");
            }
        }
        let database_max_connections = match var("DATABASE_MAX_CONNECTIONS") {
            None => None,
            Some(raw) => match raw.trim().parse::<u32>() {
                Ok(n) if n > 0 => Some(n),
                _ => bail!("DATABASE_MAX_CONNECTIONS={raw:?} must be a whole number of at least 1"),
            },
        };

        Ok(Self {
            listen_addr: parse(
                &var,
                "LISTEN_ADDR",
                SocketAddr::from(([127, 0, 0, 1], 8080)),
            )?,
            database_url,
            database_max_connections,
            database_acquire_timeout: duration(
                &var,
                "DATABASE_ACQUIRE_TIMEOUT",
                Duration::from_secs(5),
            )?,
            data_dir,
            jwt_secret,
            access_token_ttl,
            refresh_token_ttl: duration(
                &var,
                "REFRESH_TOKEN_TTL",
                Duration::from_secs(30 * 24 * 3600),
            )?,
            bcrypt_cost,
            upload_dir: PathBuf::from(var("UPLOAD_DIR").unwrap_or_else(|| "uploads".into())),
            media_store,
            media_base_url,
            media_sweep_interval: duration(&var, "MEDIA_SWEEP_INTERVAL", Duration::from_secs(60))?,
            redis_url,
            redis_prefix: var("REDIS_PREFIX").unwrap_or_else(|| "shutterbug:".into()),
            static_dir: var("STATIC_DIR").map(PathBuf::from),
            cors_origins: var("CORS_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|o| o.trim().trim_end_matches('/').to_owned())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            max_image_bytes: parse(&var, "MAX_IMAGE_BYTES", 15 * 1024 * 1024usize)?,
            shutdown_timeout: duration(&var, "SHUTDOWN_TIMEOUT", Duration::from_secs(20))?,
            ws_auth_timeout: duration(&var, "WS_AUTH_TIMEOUT", Duration::from_secs(10))?,
            ws_ping_interval: duration(&var, "WS_PING_INTERVAL", Duration::from_secs(30))?,
            ws_queue_capacity: parse(&var, "WS_QUEUE_CAPACITY", 256usize)?.max(1),
            rate_limits: rate_limits(&var)?,
            trusted_proxies: var("TRUSTED_PROXIES")
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(|p| {
                            p.parse().with_context(|| {
                                format!("TRUSTED_PROXIES: {p:?} is not an IP address")
                            })
                        })
                        .collect::<anyhow::Result<Vec<_>>>()
                })
                .transpose()?
                .unwrap_or_default(),
            max_in_flight: parse(&var, "MAX_IN_FLIGHT", 512usize)?.max(1),
            request_timeout: duration(&var, "REQUEST_TIMEOUT", Duration::from_secs(30))?,
            header_read_timeout: duration(&var, "HEADER_READ_TIMEOUT", Duration::from_secs(5))?,
            metrics_addr: var("METRICS_ADDR")
                .map(|v| {
                    v.trim()
                        .parse()
                        .with_context(|| format!("METRICS_ADDR: {v:?} is not an address and port"))
                })
                .transpose()?,
            ws_max_sessions_per_user: parse(&var, "WS_MAX_SESSIONS_PER_USER", 20usize)?.max(1),
            upload_memory_budget: parse(&var, "UPLOAD_MEMORY_BUDGET", 1024 * 1024 * 1024usize)?,
            admin_usernames: var("ADMIN_USERNAMES")
                .map(|v| {
                    v.split(',')
                        .map(|name| name.trim().to_lowercase())
                        .filter(|name| !name.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// True when the database is a SQLite file rather than a server.
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

/// Reads `s3://bucket/prefix` and the AWS variables that go with it.
fn s3_settings(var: &impl Fn(&str) -> Option<String>, raw: &str) -> anyhow::Result<S3Settings> {
    let rest = raw
        .strip_prefix("s3://")
        .with_context(|| format!("MEDIA_STORE={raw:?} must be local or s3://bucket/prefix"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    // S3's bucket naming rules, which also keep the name safe in a URL.
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if !bucket_ok {
        bail!(
            "MEDIA_STORE={raw:?}: the bucket must be 3 to 63 characters of a-z, 0-9, '-' and '.'"
        );
    }
    let prefix = prefix.trim_matches('/');
    if prefix.split('/').any(|part| part == "." || part == "..")
        || prefix.contains("//")
        || prefix.chars().any(char::is_control)
    {
        bail!("MEDIA_STORE={raw:?}: the prefix must be plain path segments");
    }
    let endpoint = match var("AWS_ENDPOINT_URL_S3").or_else(|| var("AWS_ENDPOINT_URL")) {
        Some(url) if !(url.starts_with("http://") || url.starts_with("https://")) => {
            bail!("AWS_ENDPOINT_URL={url:?} must start with http:// or https://")
        }
        other => other.map(|url| url.trim().trim_end_matches('/').to_owned()),
    };
    let access_key_id = var("AWS_ACCESS_KEY_ID");
    let secret_access_key = var("AWS_SECRET_ACCESS_KEY").map(Secret);
    if access_key_id.is_some() != secret_access_key.is_some() {
        bail!("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
    }
    Ok(S3Settings {
        bucket: bucket.to_owned(),
        prefix: prefix.to_owned(),
        endpoint,
        region: var("AWS_REGION")
            .or_else(|| var("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".into()),
        access_key_id,
        secret_access_key,
        session_token: var("AWS_SESSION_TOKEN").map(Secret),
    })
}

/// `MEDIA_BASE_URL`: an absolute http(s) URL or a path from the site root.
fn base_url(raw: &str) -> anyhow::Result<String> {
    let absolute = raw.starts_with("http://") || raw.starts_with("https://");
    // Printable ASCII only: it also goes into the Content-Security-Policy header.
    if !(absolute || raw.starts_with('/')) || !raw.chars().all(|c| c.is_ascii_graphic()) {
        bail!("MEDIA_BASE_URL={raw:?} must be an http(s) URL or a path starting with /");
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

/// Local files are served by this process; a bucket is read path-style from
/// its endpoint, or from AWS's own host for the bucket.
fn default_base_url(store: Option<&S3Settings>) -> String {
    let Some(s3) = store else {
        return "/uploads".to_owned();
    };
    let root = match &s3.endpoint {
        Some(endpoint) => format!("{endpoint}/{}", s3.bucket),
        None => format!("https://{}.s3.{}.amazonaws.com", s3.bucket, s3.region),
    };
    if s3.prefix.is_empty() {
        root
    } else {
        format!("{root}/{}", s3.prefix)
    }
}

fn parse<T>(var: &impl Fn(&str) -> Option<String>, key: &str, default: T) -> anyhow::Result<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    match var(key) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|e| anyhow::anyhow!("{key}={raw:?} is not valid: {e}")),
    }
}

/// `RATE_LIMITS` switches the limits; the other variables tune them.
fn rate_limits(var: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Option<RateLimits>> {
    if !switch(var, "RATE_LIMITS", true)? {
        return Ok(None);
    }
    let defaults = RateLimits::default();
    let rate = |key: &str, default: Rate| match var(key) {
        None => Ok(default),
        Some(raw) => parse_rate(&raw).with_context(|| {
            format!("{key}={raw:?} is not a rate like 30,2s (a burst, then one per interval)")
        }),
    };
    let failed_logins = parse(var, "LOGIN_FAILURE_LIMIT", defaults.failed_logins)?;
    if failed_logins == 0 {
        bail!("LOGIN_FAILURE_LIMIT must be at least 1");
    }
    Ok(Some(RateLimits {
        auth_per_ip: rate("AUTH_RATE_LIMIT", defaults.auth_per_ip)?,
        writes_per_user: rate("WRITE_RATE_LIMIT", defaults.writes_per_user)?,
        failed_logins,
        failed_login_window: duration(var, "LOGIN_FAILURE_WINDOW", defaults.failed_login_window)?,
    }))
}

/// Reads `BURST,INTERVAL`: `30,2s` is 30 at once, then one every 2 s.
fn parse_rate(s: &str) -> Option<Rate> {
    let (burst, interval) = s.split_once(',')?;
    let burst: u32 = burst.trim().parse().ok().filter(|b| *b > 0)?;
    let interval = parse_duration(interval.trim()).filter(|i| !i.is_zero())?;
    Some(Rate {
        burst: f64::from(burst),
        per_second: 1.0 / interval.as_secs_f64(),
    })
}

/// Reads `on`/`off` (also `true`/`false`, `1`/`0`).
fn switch(var: &impl Fn(&str) -> Option<String>, key: &str, default: bool) -> anyhow::Result<bool> {
    match var(key).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if ["on", "true", "1", "yes"].contains(&v.as_str()) => Ok(true),
        Some(v) if ["off", "false", "0", "no"].contains(&v.as_str()) => Ok(false),
        Some(v) => bail!("{key}={v:?} must be on or off"),
    }
}

/// Reads a duration written as seconds (`900`) or with a unit (`15m`, `12h`, `30d`).
fn duration(
    var: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: Duration,
) -> anyhow::Result<Duration> {
    let Some(raw) = var(key) else {
        return Ok(default);
    };
    parse_duration(raw.trim())
        .filter(|d| !d.is_zero())
        .with_context(|| format!("{key}={raw:?} is not a duration like 900, 15m, 12h or 30d"))
}

fn parse_duration(s: &str) -> Option<Duration> {
    let (number, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = number.parse().ok()?;
    let seconds = match unit {
        "ms" => return Some(Duration::from_millis(n)),
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    Some(Duration::from_secs(seconds))
}

/// A token bucket: `burst` requests at once, refilled at `per_second`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    pub burst: f64,
    pub per_second: f64,
}

impl Rate {
    /// How long an untouched bucket takes to fill up again.
    pub fn refill_time(self) -> Duration {
        Duration::from_secs_f64(self.burst / self.per_second)
    }
}

/// The limit values; every one is configurable (see the README).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimits {
    /// Sign-up, sign-in and refresh, per client address.
    pub auth_per_ip: Rate,
    /// Posts, comments, likes and follows, per account.
    pub writes_per_user: Rate,
    /// Failed sign-ins allowed per account within `failed_login_window`.
    pub failed_logins: u32,
    pub failed_login_window: Duration,
}

impl Default for RateLimits {
    /// Limits no person reaches but a script does: 30 sign-ins at once then
    /// one every 2 s per address; 120 writes at once then 2 a second per
    /// account; 10 failed sign-ins per account in 15 minutes.
    fn default() -> Self {
        Self {
            auth_per_ip: Rate {
                burst: 30.0,
                per_second: 0.5,
            },
            writes_per_user: Rate {
                burst: 120.0,
                per_second: 2.0,
            },
            failed_logins: 10,
            failed_login_window: Duration::from_secs(15 * 60),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> anyhow::Result<Config> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_need_no_environment() {
        let c = config(&[]).unwrap();
        assert_eq!(c.listen_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_url, "sqlite:data/shutterbug.db");
        assert_eq!(c.bcrypt_cost, 12);
        assert_eq!(c.access_token_ttl, Duration::from_secs(900));
        assert!(c.cors_origins.is_empty());
        assert_eq!(c.static_dir, None, "the built-in front end");
        assert_eq!(c.metrics_addr, None, "no metrics endpoint unless asked");
        assert_eq!(c.ws_max_sessions_per_user, 20);
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (key, value) in [
            ("LISTEN_ADDR", "nowhere"),
            ("BCRYPT_COST", "99"),
            ("ACCESS_TOKEN_TTL", "soon"),
            ("ACCESS_TOKEN_TTL", "500ms"),
            ("ACCESS_TOKEN_TTL", "366d"),
            ("JWT_SECRET", "short"),
            ("DATABASE_URL", "mysql://x"),
            ("RATE_LIMITS", "maybe"),
            ("TRUSTED_PROXIES", "10.0.0.1,proxy"),
            ("AUTH_RATE_LIMIT", "30"),
            ("WRITE_RATE_LIMIT", "0,1s"),
            ("WRITE_RATE_LIMIT", "10,0s"),
            ("LOGIN_FAILURE_LIMIT", "0"),
            ("LOGIN_FAILURE_WINDOW", "forever"),
            ("METRICS_ADDR", "9090"),
            ("HEADER_READ_TIMEOUT", "never"),
            ("WS_MAX_SESSIONS_PER_USER", "many"),
            ("UPLOAD_MEMORY_BUDGET", "-1"),
            ("MEDIA_STORE", "/var/media"),
            ("MEDIA_STORE", "s3://Bad_Bucket"),
            ("MEDIA_STORE", "s3://bucket/../up"),
            ("MEDIA_BASE_URL", "cdn.example.com"),
            ("MEDIA_SWEEP_INTERVAL", "never"),
            ("REDIS_URL", "localhost:6379"),
            ("DATABASE_MAX_CONNECTIONS", "0"),
            ("DATABASE_MAX_CONNECTIONS", "many"),
        ] {
            let err = config(&[(key, value)]).unwrap_err().to_string();
            assert!(err.contains(key), "{err}");
        }
    }

    #[test]
    fn rate_limits_are_on_by_default_and_tunable() {
        assert_eq!(
            config(&[]).unwrap().rate_limits,
            Some(RateLimits::default())
        );
        assert_eq!(config(&[("RATE_LIMITS", "off")]).unwrap().rate_limits, None);
        let tuned = config(&[
            ("AUTH_RATE_LIMIT", "5,10s"),
            ("WRITE_RATE_LIMIT", "1000, 100ms"),
            ("LOGIN_FAILURE_LIMIT", "3"),
            ("LOGIN_FAILURE_WINDOW", "1h"),
        ])
        .unwrap()
        .rate_limits
        .unwrap();
        assert_eq!(
            tuned.auth_per_ip,
            Rate {
                burst: 5.0,
                per_second: 0.1
            }
        );
        assert_eq!(
            tuned.writes_per_user,
            Rate {
                burst: 1000.0,
                per_second: 10.0
            }
        );
        assert_eq!(tuned.failed_logins, 3);
        assert_eq!(tuned.failed_login_window, Duration::from_secs(3600));
    }

    #[test]
    fn media_stay_on_the_local_disk_unless_a_bucket_is_named() {
        let local = config(&[]).unwrap();
        assert!(local.media_store.is_none());
        assert_eq!(local.media_base_url, "/uploads");
        assert!(config(&[("MEDIA_STORE", "local")])
            .unwrap()
            .media_store
            .is_none());

        let s3 = config(&[
            ("MEDIA_STORE", "s3://photos/prod/media/"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9000/"),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
            ("AWS_ACCESS_KEY_ID", "key"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
        ])
        .unwrap();
        let bucket = s3.media_store.unwrap();
        assert_eq!(
            (bucket.bucket.as_str(), bucket.prefix.as_str()),
            ("photos", "prod/media")
        );
        assert_eq!(bucket.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(bucket.region, "eu-west-1");
        assert_eq!(s3.media_base_url, "http://127.0.0.1:9000/photos/prod/media");

        let aws = config(&[("MEDIA_STORE", "s3://photos"), ("AWS_REGION", "us-west-2")]).unwrap();
        assert_eq!(
            aws.media_base_url,
            "https://photos.s3.us-west-2.amazonaws.com"
        );
        let cdn = config(&[
            ("MEDIA_STORE", "s3://photos"),
            ("MEDIA_BASE_URL", "https://cdn.example.com/m/"),
        ])
        .unwrap();
        assert_eq!(cdn.media_base_url, "https://cdn.example.com/m");

        let half = config(&[("MEDIA_STORE", "s3://photos"), ("AWS_ACCESS_KEY_ID", "key")]);
        assert!(half
            .unwrap_err()
            .to_string()
            .contains("AWS_SECRET_ACCESS_KEY"));
    }

    #[test]
    fn several_instances_need_a_shared_secret_and_shared_media() {
        let redis = ("REDIS_URL", "redis://127.0.0.1:6379");
        let secret = ("JWT_SECRET", "0123456789abcdef0123456789abcdef");
        let no_secret = config(&[redis, ("MEDIA_STORE", "s3://photos")]).unwrap_err();
        assert!(no_secret.to_string().contains("JWT_SECRET"), "{no_secret}");
        let local = config(&[redis, secret]).unwrap_err();
        assert!(local.to_string().contains("MEDIA_STORE"), "{local}");
        assert!(config(&[redis, secret, ("MEDIA_STORE", "s3://photos")]).is_ok());
        assert!(config(&[redis, secret, ("ALLOW_LOCAL_MEDIA", "on")]).is_ok());
        assert!(config(&[]).is_ok(), "one instance needs neither");
        assert_eq!(
            config(&[("DATABASE_MAX_CONNECTIONS", "40")])
                .unwrap()
                .database_max_connections,
            Some(40)
        );
    }

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("15m"), Some(Duration::from_secs(900)));
        assert_eq!(parse_duration("30d"), Some(Duration::from_secs(2_592_000)));
        assert_eq!(parse_duration("42"), Some(Duration::from_secs(42)));
        assert_eq!(parse_duration("1y"), None);
    }
}
