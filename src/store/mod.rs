//! The store: all SQL, and the only module that sees the pool. One pool,
//! SQLite or PostgreSQL, chosen once at start-up by the scheme of
//! `DATABASE_URL`; one file per resource, one function per query, each
//! returning domain types.
//!
//! Both engines run the same SQL text wherever the dialects agree (`$1`
//! placeholders, `RETURNING`, `ON CONFLICT`), so a query is written once and
//! run through [`with_db!`], which expands the same block for
//! each backend. What differs (schema types, text search) lives in the
//! per-backend migrations and in a few `match`es on [`Db`].

pub mod blob_deletions;
pub mod blocks;
pub mod comments;
pub mod error;
pub mod feed;
pub mod follow_requests;
pub mod follows;
mod ids;
pub mod moderation;
pub mod notifications;
pub mod posts;
pub mod search;
pub mod sessions;
mod timestamp;
pub mod users;
mod visibility;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// PostgreSQL connections per instance unless `DATABASE_MAX_CONNECTIONS` says.
const DEFAULT_POSTGRES_POOL: u32 = 16;

/// A connection pool to whichever engine is configured.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs one block of sqlx code against the configured backend.
///
/// The block is compiled once per backend, with `$pool` bound to that
/// backend's pool, so the same query text and row types serve both.
macro_rules! with_db {
    ($db:expr, $pool:ident, $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite($pool) => $body,
            $crate::store::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_db;

impl Db {
    /// Connects, creating the SQLite file (and its folder) when needed.
    /// `acquire_timeout` is how long a request waits for a connection
    /// (a free one, or a new one to an unreachable server) before it is
    /// answered 503.
    pub async fn connect(url: &str, acquire_timeout: Duration) -> anyhow::Result<Self> {
        Self::connect_with(url, acquire_timeout, None).await
    }

    /// [`Self::connect`] with at most `postgres_pool` connections to
    /// PostgreSQL (`DATABASE_MAX_CONNECTIONS`; `None`: 16); SQLite keeps its
    /// own pool.
    pub async fn connect_with(
        url: &str,
        acquire_timeout: Duration,
        postgres_pool: Option<u32>,
    ) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .context("DATABASE_URL is not a valid SQLite URL")?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a commit is on disk before the client hears of it.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5));
            if let Some(dir) = options.get_filename().parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("creating database folder {}", dir.display()))?;
                }
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(acquire_timeout)
                .connect_with(options)
                .await
                .context("opening the SQLite database")?;
            Ok(Db::Sqlite(pool))
        } else {
            let options = PgConnectOptions::from_str(url)
                .context("DATABASE_URL is not a valid PostgreSQL URL")?;
            let pool = PgPoolOptions::new()
                .max_connections(postgres_pool.unwrap_or(DEFAULT_POSTGRES_POOL))
                .acquire_timeout(acquire_timeout)
                // A broken connection fails its query, which answers 503 and
                // is then discarded; pinging before every acquire would cost
                // a round trip per query instead.
                .test_before_acquire(false)
                .connect_with(options)
                .await
                .context("connecting to PostgreSQL")?;
            Ok(Db::Postgres(pool))
        }
    }

    /// Applies the backend's migrations from `migrations/<backend>/`.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await,
            Db::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await,
        }
        .context("applying database migrations")
    }

    /// A short, password-free description for the start-up log line.
    pub fn describe(&self) -> String {
        match self {
            Db::Sqlite(pool) => {
                let options = pool.connect_options();
                format!("SQLite at {}", display_path(options.get_filename()))
            }
            Db::Postgres(pool) => {
                let options = pool.connect_options();
                format!(
                    "PostgreSQL at {}:{}/{}",
                    options.get_host(),
                    options.get_port(),
                    options.get_database().unwrap_or("(default)")
                )
            }
        }
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, Db::Sqlite(_))
    }

    /// Answers whether the database responds at all.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        with_db!(
            self,
            pool,
            sqlx::query("SELECT 1").execute(pool).await.map(drop)
        )
    }

    /// True once [`Self::close`] has run (shutdown).
    pub fn is_closed(&self) -> bool {
        with_db!(self, pool, pool.is_closed())
    }

    pub async fn close(&self) {
        with_db!(self, pool, pool.close().await)
    }
}

fn display_path(path: &Path) -> String {
    path.display().to_string()
}

/// Opens a transaction meant to write.
///
/// On SQLite it is `BEGIN IMMEDIATE`: it takes the single write lock up
/// front, so a transaction that reads before it writes cannot fail to
/// upgrade its lock when another writer got in between.
pub trait BeginWrite {
    type Database: sqlx::Database;

    fn begin_write(
        &self,
    ) -> impl std::future::Future<
        Output = Result<sqlx::Transaction<'static, Self::Database>, sqlx::Error>,
    > + Send;
}

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

/// `$first, $first+1, …` for `count` values: the body of an `IN (…)` list
/// whose values are then bound one by one.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
