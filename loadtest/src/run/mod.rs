//! HTTP scenarios: `--concurrency` virtual users, each sending one request
//! at a time, for `--duration` or `--requests`, optionally paced at a fixed
//! total `--rate`.
//!
//! In a fixed-rate run every request has a due time on a schedule. A user
//! who is late sends at once, and the latency counts from the due time:
//! a server stall then shows as the long waits real clients would see
//! instead of vanishing because fewer requests were sent (coordinated
//! omission).

pub mod api;
mod feed;
mod login;
mod mixed;
mod user;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Args;
use futures_util::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::population::{mix, DEFAULT_PASSWORD};
use crate::progress;
use crate::report::{Recorder, Report, RunInfo};
use api::Api;
use user::VirtualUser;

/// Options every HTTP scenario shares.
#[derive(Args, Debug, Clone)]
pub struct LoadArgs {
    /// Base URL of the running server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// How long to run, e.g. `30s`, `5m`, `500ms` (default 30s unless --requests is given).
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Stop after this many requests.
    #[arg(long)]
    pub requests: Option<u64>,
    /// Virtual users, each with one request in flight at a time.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Fixed total rate in requests per second (open model) instead of as fast as possible.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Seeded users to act as; default: found by asking the server.
    #[arg(long)]
    pub users: Option<u64>,
    /// The seeded accounts' password.
    #[arg(long, default_value = DEFAULT_PASSWORD)]
    pub password: String,
    /// Seed of the virtual users' choices.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write the report as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Draw latency over time into this SVG file.
    #[arg(long)]
    pub svg: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct FeedArgs {
    #[command(flatten)]
    pub load: LoadArgs,
    /// Pages each user reads down its feed before starting again at the top.
    #[arg(long, default_value_t = 5)]
    pub pages: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    Feed { pages: u32 },
    Mixed,
    Login,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Feed { .. } => "feed",
            Scenario::Mixed => "mixed",
            Scenario::Login => "login",
        }
    }
}

/// What every virtual user shares.
pub struct Ctx {
    pub api: Api,
    pub recorder: Arc<Recorder>,
    pub population: u64,
    pub password: String,
    /// A small JPEG for photo posts.
    pub photo: Vec<u8>,
}

/// Hands out requests: stops at the deadline or the request budget and, in
/// a fixed-rate run, gives each request its due time.
struct Plan {
    start: Instant,
    deadline: Option<Instant>,
    budget: Option<u64>,
    interval: Option<Duration>,
    issued: AtomicU64,
}

impl Plan {
    /// The due time of the next request, or `None` when the run is over.
    fn claim(&self) -> Option<Instant> {
        let n = self.issued.fetch_add(1, Ordering::Relaxed);
        if self.budget.is_some_and(|budget| n >= budget) {
            return None;
        }
        let due = match self.interval {
            Some(interval) => self.start + interval.mul_f64(n as f64),
            None => Instant::now(),
        };
        match self.deadline {
            Some(deadline) if due >= deadline || Instant::now() >= deadline => None,
            _ => Some(due),
        }
    }
}

pub async fn run(scenario: Scenario, args: LoadArgs) -> anyhow::Result<()> {
    if args.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    if args.rate.is_some_and(|r| !(r > 0.0 && r.is_finite())) {
        bail!("--rate must be a positive number");
    }
    let api = Api::new(&args.url, args.concurrency)?;
    let population = match args.users {
        Some(n) if n >= 2 => n,
        Some(_) => bail!("--users must be at least 2"),
        None => api.count_seeded_users().await?,
    };
    let mut users: Vec<VirtualUser> = (0..args.concurrency)
        .map(|i| {
            let mut rng = StdRng::seed_from_u64(mix(args.seed ^ mix(i as u64)));
            let id = rng.gen_range(1..=population);
            VirtualUser::new(rng, id)
        })
        .collect();
    let setup = Recorder::new();
    if scenario != Scenario::Login {
        users = log_in_all(&api, &args.password, &setup, users).await?;
    }
    let setup_took = setup.started().elapsed();

    let recorder = Arc::new(Recorder::new());
    let ctx = Arc::new(Ctx {
        api,
        recorder: Arc::clone(&recorder),
        population,
        password: args.password.clone(),
        photo: crate::picture::small_jpeg(args.seed)?,
    });
    let duration = match (args.duration, args.requests) {
        (None, None) => Some(Duration::from_secs(30)),
        (duration, _) => duration,
    };
    let plan = Arc::new(Plan {
        start: recorder.started(),
        deadline: duration.map(|d| recorder.started() + d),
        budget: args.requests,
        interval: args.rate.map(|rate| Duration::from_secs_f64(1.0 / rate)),
        issued: AtomicU64::new(0),
    });
    let started_at = chrono::Utc::now();
    let ticker = progress_ticker(&recorder, duration, args.requests);

    let tasks: Vec<_> = users
        .into_iter()
        .map(|mut user| {
            let (ctx, plan) = (Arc::clone(&ctx), Arc::clone(&plan));
            tokio::spawn(async move {
                while let Some(due) = plan.claim() {
                    tokio::time::sleep_until(due.into()).await;
                    match scenario {
                        Scenario::Feed { pages } => feed::step(&mut user, &ctx, due, pages).await,
                        Scenario::Mixed => mixed::step(&mut user, &ctx, due).await,
                        Scenario::Login => login::step(&mut user, &ctx, due).await,
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.context("a virtual user panicked")?;
    }
    let elapsed = recorder.started().elapsed();
    ticker.abort();

    let report = Report::new(
        RunInfo {
            scenario: scenario.name(),
            url: &args.url,
            started_at,
            elapsed,
            concurrency: args.concurrency,
            rate: args.rate,
        },
        setup.summarise(setup_took),
        recorder.summarise(elapsed),
    );
    report.emit(args.json.as_deref(), args.svg.as_deref())
}

/// Logs every virtual user in before the clock starts, `concurrency` at a
/// time; any failure stops the run, since nothing after it would work.
async fn log_in_all(
    api: &Api,
    password: &str,
    setup: &Recorder,
    users: Vec<VirtualUser>,
) -> anyhow::Result<Vec<VirtualUser>> {
    let bar = progress::bar(users.len() as u64, "logging in");
    let mut signed_in = Vec::with_capacity(users.len());
    let logins = users.into_iter().map(|mut user| async move {
        let due = Instant::now();
        let auth = api
            .login(setup, "POST /api/auth/login", user.identity, password, due)
            .await;
        match auth {
            Some(auth) => {
                user.auth = Some(auth);
                Ok(user)
            }
            None => Err(anyhow::anyhow!(
                "cannot log in as {:?} with password {:?}: was the database seeded with it?",
                crate::population::username(user.identity),
                password
            )),
        }
    });
    let mut pending = futures_util::stream::iter(logins).buffer_unordered(64);
    while let Some(result) = pending.next().await {
        signed_in.push(result?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(signed_in)
}

/// Keeps the progress bar moving while the run goes.
fn progress_ticker(
    recorder: &Arc<Recorder>,
    duration: Option<Duration>,
    requests: Option<u64>,
) -> tokio::task::JoinHandle<()> {
    let recorder = Arc::clone(recorder);
    let bar = match duration {
        Some(d) => progress::bar(d.as_millis() as u64, "running"),
        None => progress::bar(requests.unwrap_or(0), "running"),
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template("[{bar:40}] {elapsed} {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(250)).await;
            let (done, errors) = recorder.totals();
            let seconds = recorder.started().elapsed().as_secs_f64();
            bar.set_position(match duration {
                Some(_) => recorder.started().elapsed().as_millis() as u64,
                None => done,
            });
            bar.set_message(format!(
                "{done} requests, {:.0}/s, {errors} errors",
                done as f64 / seconds.max(1e-9)
            ));
        }
    })
}

/// `30s`, `5m`, `1h`, `250ms` or a plain number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 30s, 5m or 250ms"))?;
    let seconds = match unit {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("unknown unit {unit:?}: use ms, s, m or h")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("{text:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3d").is_err());
    }

    #[test]
    fn a_fixed_rate_plan_schedules_evenly_and_stops_at_its_budget() {
        let start = Instant::now() + Duration::from_secs(3600);
        let plan = Plan {
            start,
            deadline: None,
            budget: Some(3),
            interval: Some(Duration::from_millis(10)),
            issued: AtomicU64::new(0),
        };
        assert_eq!(plan.claim(), Some(start));
        assert_eq!(plan.claim(), Some(start + Duration::from_millis(10)));
        assert_eq!(plan.claim(), Some(start + Duration::from_millis(20)));
        assert_eq!(plan.claim(), None);
    }
}
