//! `loadtest seed`: fills a new database with a generated community.
//!
//! The schema comes from the server's own migrations (applied through
//! `shutterbug::store::Db`), then rows go in directly: `COPY` on PostgreSQL,
//! batched multi-row inserts on SQLite. Secondary indexes (and, on
//! PostgreSQL, foreign keys) are set aside during the load and rebuilt from
//! their original definitions afterwards: one sort beats millions of
//! index updates.

mod images;
mod model;
mod postgres;
mod rows;
mod sqlite;
mod text;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use clap::Args;
use indicatif::ProgressBar;

use crate::population::{self, DEFAULT_PASSWORD};
use crate::progress;
use model::{Community, Params};
use postgres::PgSink;
use rows::Table;
use sqlite::SqliteSink;

#[derive(Args, Debug)]
pub struct SeedArgs {
    /// `sqlite:path/to.db` or `postgres://...`; the database must be new or empty.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
    /// Number of users.
    #[arg(long, default_value_t = 100_000)]
    pub users: u32,
    /// Number of posts.
    #[arg(long, default_value_t = 1_000_000)]
    pub posts: u32,
    /// Mean number of accounts each user follows.
    #[arg(long, default_value_t = 100.0)]
    pub follows_per_user: f64,
    /// Mean likes per post.
    #[arg(long, default_value_t = 3.0)]
    pub likes_per_post: f64,
    /// Mean comments per post.
    #[arg(long, default_value_t = 1.0)]
    pub comments_per_post: f64,
    /// Mean accounts each user blocks (none by default).
    #[arg(long, default_value_t = 0.0)]
    pub blocks_per_user: f64,
    /// Mean followed accounts each user mutes (none by default).
    #[arg(long, default_value_t = 0.0)]
    pub mutes_per_user: f64,
    /// The share of accounts that are private, from 0 to 1 (none by default).
    #[arg(long, default_value_t = 0.0)]
    pub private_share: f64,
    /// Seed of every random choice: the same seed gives the same community.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The newest time in the data (RFC 3339); default: now. Fix it too for
    /// byte-identical databases.
    #[arg(long)]
    pub now: Option<String>,
    /// The server's UPLOAD_DIR, where the sample photos go.
    #[arg(long, env = "UPLOAD_DIR", default_value = "uploads")]
    pub upload_dir: PathBuf,
    /// The password of every seeded account.
    #[arg(long, default_value = DEFAULT_PASSWORD)]
    pub password: String,
    /// bcrypt cost of the shared password hash: low, so logins measure the
    /// server rather than bcrypt; raise it to benchmark real logins.
    #[arg(long, default_value_t = 4)]
    pub bcrypt_cost: u32,
}

/// The tables seed fills, in load order.
const TABLES: [&str; 10] = [
    "users",
    "posts",
    "media",
    "follows",
    "likes",
    "comments",
    "hashtags",
    "post_hashtags",
    "blocks",
    "mutes",
];

enum Sink {
    Sqlite(SqliteSink),
    Postgres(PgSink),
}

impl Sink {
    async fn open(url: &str) -> anyhow::Result<Self> {
        Ok(if url.starts_with("sqlite:") {
            Sink::Sqlite(SqliteSink::open(url).await?)
        } else {
            Sink::Postgres(PgSink::open(url).await?)
        })
    }

    async fn count_users(&mut self) -> anyhow::Result<i64> {
        match self {
            Sink::Sqlite(s) => s.count_users().await,
            Sink::Postgres(s) => s.count_users().await,
        }
    }

    async fn set_aside(&mut self) -> anyhow::Result<Vec<String>> {
        match self {
            Sink::Sqlite(s) => s.set_aside(&TABLES).await,
            Sink::Postgres(s) => s.set_aside(&TABLES).await,
        }
    }

    async fn restore(&mut self, statements: &[String]) -> anyhow::Result<()> {
        match self {
            Sink::Sqlite(s) => s.restore(statements).await,
            Sink::Postgres(s) => s.restore(statements).await,
        }
    }

    async fn write(&mut self, table: &Table<'_>, progress: &ProgressBar) -> anyhow::Result<()> {
        match self {
            Sink::Sqlite(s) => s.write(table, progress).await,
            Sink::Postgres(s) => s.write(table, progress).await,
        }
    }

    async fn finish(self) -> anyhow::Result<()> {
        match self {
            Sink::Sqlite(s) => s.finish().await,
            Sink::Postgres(s) => s.finish(&TABLES).await,
        }
    }
}

/// The text form the server stores and parses (`crate::domain::Timestamp`).
fn time_text(micros: i64) -> anyhow::Result<String> {
    shutterbug::domain::Timestamp::from_unix_micros(micros)
        .map(|t| t.to_text())
        .with_context(|| format!("time out of range: {micros} µs"))
}

pub async fn run(args: SeedArgs) -> anyhow::Result<()> {
    if args.users < 2 {
        bail!("--users must be at least 2");
    }
    if !(0.0..=1.0).contains(&args.private_share) {
        bail!("--private-share must be between 0 and 1");
    }
    let now = match &args.now {
        Some(text) => DateTime::parse_from_rfc3339(text)
            .context("--now must be an RFC 3339 time, e.g. 2026-01-01T00:00:00Z")?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let params = Params {
        users: args.users,
        posts: args.posts,
        follows_per_user: args.follows_per_user,
        likes_per_post: args.likes_per_post,
        comments_per_post: args.comments_per_post,
        blocks_per_user: args.blocks_per_user,
        mutes_per_user: args.mutes_per_user,
        private_share: args.private_share,
        seed: args.seed,
        now: now.timestamp_micros(),
    };
    time_text(params.start()).context("--now is too early")?;
    time_text(params.now).context("--now is too late")?;

    let started = Instant::now();
    let db = shutterbug::store::Db::connect(&args.database_url, Duration::from_secs(30)).await?;
    db.migrate().await?;
    db.close().await;
    let mut sink = Sink::open(&args.database_url).await?;
    let existing = sink.count_users().await?;
    if existing > 0 {
        bail!("the database already has {existing} users: seed needs a new, empty database");
    }

    let step = progress::spinner("drawing sample photos and the password hash");
    let samples = images::write(&args.upload_dir, args.seed)?;
    let password_hash = shared_password_hash(&args.password, args.bcrypt_cost, args.seed)?;
    step.finish_and_clear();

    let step = progress::spinner("generating the community");
    let generating = Instant::now();
    let community = tokio::task::spawn_blocking(move || Community::generate(params))
        .await
        .context("the generator panicked")?;
    let generated_in = generating.elapsed();
    step.finish_and_clear();
    println!(
        "generated {} users ({} private), {} follows, {} posts, {} likes, {} comments, {} blocks, {} mutes in {:.1} s",
        community.users.len(),
        community.users.iter().filter(|u| u.is_private).count(),
        community.follows.len(),
        community.posts.len(),
        community.likes.len(),
        community.comments.len(),
        community.blocks.len(),
        community.mutes.len(),
        generated_in.as_secs_f64()
    );

    let indexes = sink.set_aside().await?;
    let tables = rows::tables(&community, &samples, &password_hash);
    let mut timings = Vec::new();
    for table in &tables {
        let bar = progress::bar(table.rows, table.name);
        let writing = Instant::now();
        sink.write(table, &bar).await?;
        bar.finish_and_clear();
        timings.push((table.name, table.rows, writing.elapsed()));
    }
    let step = progress::spinner("rebuilding indexes and keys");
    let indexing = Instant::now();
    sink.restore(&indexes).await?;
    sink.finish().await?;
    let indexed_in = indexing.elapsed();
    step.finish_and_clear();

    print_summary(&timings, generated_in, indexed_in, started.elapsed());
    let star = community.user(1);
    println!(
        "password of every account: {:?}; most followed: {} ({} followers)",
        args.password,
        population::username(1),
        star.followers
    );
    Ok(())
}

/// One bcrypt hash for all accounts, salted from the seed so that the same
/// seed writes the same bytes.
fn shared_password_hash(password: &str, cost: u32, seed: u64) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    salt[..8].copy_from_slice(&population::mix(seed).to_le_bytes());
    salt[8..].copy_from_slice(&population::mix(!seed).to_le_bytes());
    let parts = bcrypt::hash_with_salt(password, cost, salt).context("hashing the password")?;
    Ok(parts.format_for_version(bcrypt::Version::TwoB))
}

fn print_summary(
    timings: &[(&str, u64, Duration)],
    generated_in: Duration,
    indexed_in: Duration,
    total: Duration,
) {
    println!(
        "{:<14} {:>12} {:>9} {:>12}",
        "table", "rows", "seconds", "rows/s"
    );
    let mut all_rows = 0;
    let mut writing = Duration::ZERO;
    for (name, rows, took) in timings {
        println!(
            "{:<14} {:>12} {:>9.1} {:>12.0}",
            name,
            rows,
            took.as_secs_f64(),
            *rows as f64 / took.as_secs_f64().max(1e-9)
        );
        all_rows += rows;
        writing += *took;
    }
    println!(
        "{:<14} {:>12} {:>9.1} {:>12.0}",
        "all tables",
        all_rows,
        writing.as_secs_f64(),
        all_rows as f64 / writing.as_secs_f64().max(1e-9)
    );
    println!(
        "generation {:.1} s, rebuilding indexes {:.1} s; {} rows in {:.1} s overall: {:.0} rows/s",
        generated_in.as_secs_f64(),
        indexed_in.as_secs_f64(),
        all_rows,
        total.as_secs_f64(),
        all_rows as f64 / total.as_secs_f64().max(1e-9)
    );
}
