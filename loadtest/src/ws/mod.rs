//! `loadtest ws`: holds many authenticated WebSocket sessions and measures
//! what they cost and how fast events reach them:
//! 1. the server's resident memory per idle session (with `--server-pid`);
//! 2. like → notification latency on the post author's sockets, at a fixed
//!    like rate;
//! 3. how long a popular account's new post takes to reach all its
//!    connected followers.
//!
//! Every expected event must arrive exactly once, and each session's
//! notifications in increasing `seq` order; missing, duplicate, stray and
//! out-of-order deliveries are counted as errors, per user too, and make
//! the command fail.
//!
//! Given several instance URLs, sessions are spread over them in turn and
//! the likes go to them in turn, so likers and authors mostly sit on
//! different instances. The chaos option kills one instance (SIGKILL) in
//! the middle of the like test and may start it again; its sessions
//! reconnect to the next instance with `since`, and the counts must still
//! come out exact.
//!
//! The sessions live in worker processes this command starts from its own
//! binary (`ws-worker`), because a process may hold at most 20,000 open
//! files; with more than one worker and a loopback server, each worker
//! connects from its own source address (127.0.0.1, 127.0.0.2, ...), since
//! one address pair has only about 28,000 ephemeral ports.

mod checks;
mod protocol;
pub mod worker;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Args;
use futures_util::StreamExt;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};

use crate::population::{self, DEFAULT_PASSWORD};
use crate::progress;
use crate::report::{Outcome, Recorder, Report, RunInfo};
use crate::run::api::{auth_from, Api, Auth};
use crate::run::parse_duration;
use checks::{Received, SentLike, Tally};
use protocol::{now_micros, FromWorker, SessionSpec, ToWorker};

const LOGIN: &str = "POST /api/auth/login";
const CONNECT: &str = "WS connect → ready";
const LIKE: &str = "PUT /api/posts/{id}/like";
const LIKE_DELIVERY: &str = "like → notification";
const STAR_POST: &str = "POST /api/posts (popular account)";
const POST_DELIVERY: &str = "post → follower";
const RECONNECT: &str = "WS reconnect → ready";
/// Recipients whose posts the like test uses.
const LIKE_RECIPIENTS: usize = 200;

#[derive(Args, Debug)]
pub struct WsArgs {
    /// Base URL of each running instance (http://; the socket is at
    /// /api/ws), repeated or comma-separated: sessions are spread over them.
    #[arg(
        long = "url",
        value_delimiter = ',',
        default_value = "http://127.0.0.1:8080"
    )]
    pub urls: Vec<String>,
    /// Chaos: the process id of one instance, killed with SIGKILL
    /// `--kill-after` into the like test; its sessions reconnect elsewhere.
    #[arg(long, requires = "kill_url")]
    pub kill_pid: Option<u32>,
    /// Chaos: which of the `--url`s the killed process serves (it gets no
    /// HTTP requests of the test, so none is cut off half-way).
    #[arg(long, requires = "kill_pid")]
    pub kill_url: Option<String>,
    /// Chaos: how long into the like test the kill comes.
    #[arg(long, value_parser = parse_duration, default_value = "3s")]
    pub kill_after: Duration,
    /// Chaos: a shell command run right after the kill, to start the
    /// instance again (it should return once the server is started).
    #[arg(long, requires = "kill_pid")]
    pub restart: Option<String>,
    /// WebSocket sessions to hold.
    #[arg(long, default_value_t = 1000)]
    pub sessions: u32,
    /// Sessions per worker process (each process may hold 20,000 files).
    #[arg(long, default_value_t = 15_000)]
    pub sessions_per_worker: u32,
    /// Handshakes in flight per worker while opening.
    #[arg(long, default_value_t = 200)]
    pub connect_concurrency: usize,
    /// The server's process id, to measure its resident memory per session;
    /// with several `--url`s, the first one's.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Idle time after opening, before memory is measured.
    #[arg(long, value_parser = parse_duration, default_value = "3s")]
    pub settle: Duration,
    /// The popular account whose posts fan out; default: the seed's most
    /// followed account (user 1). Sessions go to its followers first.
    #[arg(long)]
    pub star: Option<String>,
    /// Likes per second during the notification test.
    #[arg(long, default_value_t = 20.0)]
    pub like_rate: f64,
    /// How long the notification test runs.
    #[arg(long, value_parser = parse_duration, default_value = "10s")]
    pub duration: Duration,
    /// Fresh accounts registered for the run to do the liking (a like by
    /// someone who liked before notifies nobody).
    #[arg(long, default_value_t = 8)]
    pub likers: u32,
    /// Posts by the popular account for the fan-out test.
    #[arg(long, default_value_t = 3)]
    pub fanout_posts: u32,
    /// How long to wait for the last events of a test to arrive.
    #[arg(long, value_parser = parse_duration, default_value = "10s")]
    pub grace: Duration,
    /// Seeded users to connect as; default: found by asking the server.
    #[arg(long)]
    pub users: Option<u64>,
    /// The seeded accounts' password.
    #[arg(long, default_value = DEFAULT_PASSWORD)]
    pub password: String,
    /// Seed of the generated photo.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write the report as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Draw latency over time into this SVG file.
    #[arg(long)]
    pub svg: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Pending,
    Ready,
    Failed,
    Closed,
}

/// What the workers have reported so far.
struct Live {
    states: Vec<State>,
    received: Received,
    failures: BTreeMap<String, u64>,
    closed_early: BTreeMap<String, u64>,
    other_events: BTreeMap<String, u64>,
    closing: bool,
    workers_done: usize,
    reconnected: u64,
}

type Shared = Arc<Mutex<Live>>;

fn lock(live: &Shared) -> MutexGuard<'_, Live> {
    live.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn apply(live: &Shared, recorder: &Recorder, message: FromWorker) {
    let mut live = lock(live);
    let mut set = |session: u32, state: State| {
        if let Some(slot) = live.states.get_mut(session as usize) {
            *slot = state;
        }
    };
    match message {
        FromWorker::Ready { session, micros } => {
            set(session, State::Ready);
            recorder.record(CONNECT, Duration::from_micros(micros), Outcome::Ok);
        }
        FromWorker::Failed { session, error } => {
            set(session, State::Failed);
            recorder.record(CONNECT, Duration::ZERO, Outcome::Failed("failed"));
            *live.failures.entry(error).or_default() += 1;
        }
        FromWorker::Reconnected { micros, .. } => {
            live.reconnected += 1;
            recorder.record(RECONNECT, Duration::from_micros(micros), Outcome::Ok);
        }
        FromWorker::Closed { session, reason } => {
            set(session, State::Closed);
            if !live.closing {
                *live.closed_early.entry(reason).or_default() += 1;
            }
        }
        FromWorker::Notification {
            session,
            at,
            seq,
            kind,
            actor,
            post,
        } => {
            live.received.notification_seq(session, seq);
            match (kind.as_str(), post) {
                ("like", Some(post)) => live
                    .received
                    .likes
                    .entry((session, actor, post))
                    .or_default()
                    .push(at),
                _ => {
                    *live
                        .other_events
                        .entry(format!("notification:{kind}"))
                        .or_default() += 1
                }
            }
        }
        FromWorker::Post {
            session, at, post, ..
        } => live
            .received
            .posts
            .entry(post)
            .or_default()
            .push((session, at)),
        FromWorker::Other { kind, .. } => *live.other_events.entry(kind).or_default() += 1,
        FromWorker::Done => live.workers_done += 1,
    }
}

/// The followers of the popular account, as far as they were listed.
struct Followers {
    /// Seeded followers (whose password we know), in list order.
    seeded: Vec<u64>,
    /// Every follower id listed.
    all: HashSet<u64>,
    /// Whether the list was read to its end.
    complete: bool,
}

pub async fn run(args: WsArgs) -> anyhow::Result<()> {
    if args.sessions == 0 || args.sessions_per_worker == 0 {
        bail!("--sessions and --sessions-per-worker must be at least 1");
    }
    if !(args.like_rate > 0.0 && args.like_rate.is_finite()) {
        bail!("--like-rate must be a positive number");
    }
    if let Some(kill_url) = &args.kill_url {
        if !args.urls.contains(kill_url) {
            bail!("--kill-url must be one of the --url values");
        }
        if args.urls.len() < 2 {
            bail!("the chaos option needs at least two instances");
        }
    }
    let ws_urls = args
        .urls
        .iter()
        .map(|url| websocket_url(url))
        .collect::<anyhow::Result<Vec<_>>>()?;
    // The test's HTTP requests go to the instances that stay up.
    let apis = args
        .urls
        .iter()
        .filter(|url| Some(*url) != args.kill_url.as_ref())
        .map(|url| Api::new(url, 64))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let api = apis[0].clone();
    let population = match args.users {
        Some(n) => n,
        None => api.count_seeded_users().await?,
    };
    let setup = Recorder::new();
    let star_name = args.star.clone().unwrap_or_else(|| population::username(1));
    let star = api
        .login_as(&setup, LOGIN, &star_name, &args.password, Instant::now())
        .await
        .with_context(|| format!("cannot log in as the popular account {star_name:?}"))?;

    let wanted = args.sessions as usize;
    let followers = list_followers(&api, &setup, &star_name, wanted).await?;
    let users = session_users(&followers, population, star.user_id, wanted)?;
    let tokens = log_in_users(&api, &setup, &users, &args.password).await?;

    let rss_before = args.server_pid.map(resident_kib).transpose()?;
    let recorder = Arc::new(Recorder::new());
    let live: Shared = Arc::new(Mutex::new(Live {
        states: vec![State::Pending; users.len()],
        received: Received::default(),
        failures: BTreeMap::new(),
        closed_early: BTreeMap::new(),
        other_events: BTreeMap::new(),
        closing: false,
        workers_done: 0,
        reconnected: 0,
    }));
    let started_at = chrono::Utc::now();
    let mut workers = start_workers(&args, &ws_urls, &users, &tokens, &live, &recorder).await?;
    wait_for_sessions(&live, users.len()).await;
    tokio::time::sleep(args.settle).await;
    let rss_after = args.server_pid.map(resident_kib).transpose()?;

    let mut sessions_of: HashMap<i64, Vec<u32>> = HashMap::new();
    for (session, state) in lock(&live).states.iter().enumerate() {
        if *state == State::Ready {
            sessions_of
                .entry(users[session] as i64)
                .or_default()
                .push(session as u32);
        }
    }
    let likes = like_test(
        &args,
        &apis,
        &setup,
        &recorder,
        &live,
        &sessions_of,
        &tokens,
        &mut workers,
    )
    .await?;
    let fanout = fanout_test(
        &args,
        &api,
        &recorder,
        &live,
        &star,
        &followers,
        &sessions_of,
    )
    .await?;
    let elapsed = recorder.started().elapsed();
    let workers_started = workers.len();
    stop_workers(&live, workers).await;

    let live = lock(&live);
    let count = |wanted: State| live.states.iter().filter(|s| **s == wanted).count();
    let closed_early: u64 = live.closed_early.values().sum();
    let open = sessions_of.values().map(Vec::len).sum::<usize>();
    // Session i started on instance i mod n; the measured one is the first.
    let measured = sessions_of
        .values()
        .flatten()
        .filter(|session| (**session as usize).is_multiple_of(args.urls.len()))
        .count();
    let memory = match (args.server_pid, rss_before, rss_after) {
        (Some(pid), Some(before), Some(after)) => json!({
            "server_pid": pid,
            "rss_before_kib": before,
            "rss_after_kib": after,
            "sessions": measured,
            "per_session_kib": (after as f64 - before as f64) / measured.max(1) as f64,
        }),
        _ => Value::Null,
    };
    let mut report = Report::new(
        RunInfo {
            scenario: "ws",
            url: &args.urls.join(","),
            started_at,
            elapsed,
            concurrency: users.len(),
            rate: Some(args.like_rate),
        },
        setup.summarise(setup.started().elapsed()),
        recorder.summarise(elapsed),
    );
    report.errors += closed_early;
    let checked = likes.get("per_user").cloned().unwrap_or(Value::Null);
    let broken: u64 = ["missing", "duplicates", "out_of_order"]
        .iter()
        .filter_map(|count| checked[count].as_u64())
        .sum::<u64>()
        + fanout
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|post| {
                let deliveries = &post["deliveries"];
                Some(deliveries["missing"].as_u64()? + deliveries["duplicates"].as_u64()?)
            })
            .sum::<u64>();
    report.details = Some(json!({
        "sessions": {
            "requested": users.len(),
            "distinct_users": sessions_of.len(),
            "open": open,
            "failed": count(State::Failed),
            "never_answered": count(State::Pending),
            "closed_early": closed_early,
            "closed_early_reasons": live.closed_early,
            "failure_reasons": live.failures,
            "workers": workers_started,
            "instances": args.urls,
            "reconnected": live.reconnected,
        },
        "memory": memory,
        "likes": likes,
        "fanout": fanout,
        "popular_account": { "username": star_name, "followers_listed": followers.all.len() },
        "other_events": live.other_events,
    }));
    if let Value::Object(memory) = &memory {
        println!(
            "server memory: {} KiB before, {} KiB after {measured} sessions: {:.1} KiB per session",
            memory["rss_before_kib"], memory["rss_after_kib"], memory["per_session_kib"]
        );
    }
    report.emit(args.json.as_deref(), args.svg.as_deref())?;
    if broken > 0 {
        bail!("{broken} notifications or posts missing, doubled or out of order (see details)");
    }
    println!(
        "per user: {} users, {} notifications expected, {} received, none missing, doubled or out of order",
        checked["users"], checked["expected"], checked["received"]
    );
    Ok(())
}

/// `http://host:port` → `ws://host:port/api/ws`.
fn websocket_url(base: &str) -> anyhow::Result<String> {
    let base = base.trim_end_matches('/');
    match base.strip_prefix("http://") {
        Some(rest) => Ok(format!("ws://{rest}/api/ws")),
        None => bail!("--url must be a plain http:// URL (the load test speaks no TLS)"),
    }
}

async fn list_followers(
    api: &Api,
    setup: &Recorder,
    star: &str,
    wanted: usize,
) -> anyhow::Result<Followers> {
    let mut followers = Followers {
        seeded: Vec::new(),
        all: HashSet::new(),
        complete: false,
    };
    let spinner = progress::spinner("listing followers of the popular account");
    let mut cursor: Option<String> = None;
    while followers.seeded.len() < wanted {
        let mut request = api
            .get(&format!("/api/users/{star}/followers"))
            .query(&[("limit", "100")]);
        if let Some(cursor) = &cursor {
            request = request.query(&[("cursor", cursor)]);
        }
        let op = "GET /api/users/{username}/followers";
        let page = api
            .call(setup, op, request, Instant::now())
            .await
            .with_context(|| format!("cannot list the followers of {star}"))?;
        for user in page["items"].as_array().into_iter().flatten() {
            let (Some(id), Some(name)) = (user["id"].as_u64(), user["username"].as_str()) else {
                continue;
            };
            followers.all.insert(id);
            if name == population::username(id) {
                followers.seeded.push(id);
            }
        }
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            followers.complete = true;
            break;
        }
    }
    spinner.finish_and_clear();
    Ok(followers)
}

/// The user of each session: followers of the popular account first; when
/// they are all in, seeded non-followers (who must not see its posts); when
/// there are more sessions than users, users get several sessions each.
fn session_users(
    followers: &Followers,
    population: u64,
    star: i64,
    wanted: usize,
) -> anyhow::Result<Vec<u64>> {
    let mut users: Vec<u64> = followers.seeded.iter().copied().take(wanted).collect();
    if followers.complete {
        let others = (1..=population)
            .filter(|id| *id as i64 != star && !followers.all.contains(id))
            .take(wanted.saturating_sub(users.len()));
        users.extend(others);
    }
    if users.is_empty() {
        bail!("no seeded user to connect as");
    }
    let distinct = users.len();
    for i in distinct..wanted {
        users.push(users[i % distinct]);
    }
    Ok(users)
}

async fn log_in_users(
    api: &Api,
    setup: &Recorder,
    users: &[u64],
    password: &str,
) -> anyhow::Result<HashMap<u64, String>> {
    let distinct: HashSet<u64> = users.iter().copied().collect();
    let bar = progress::bar(distinct.len() as u64, "logging in");
    let mut logins = futures_util::stream::iter(distinct.into_iter().map(|id| async move {
        let auth = api.login(setup, LOGIN, id, password, Instant::now()).await;
        (id, auth)
    }))
    .buffer_unordered(64);
    let mut tokens = HashMap::new();
    while let Some((id, auth)) = logins.next().await {
        let auth = auth.with_context(|| {
            format!(
                "cannot log in as {:?}: was the database seeded with this password?",
                population::username(id)
            )
        })?;
        tokens.insert(id, auth.token);
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(tokens)
}

/// The server's resident memory from `/proc/<pid>/status`, in KiB.
pub(crate) fn resident_kib(pid: u32) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no VmRSS in {path}"))
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
}

async fn start_workers(
    args: &WsArgs,
    ws_urls: &[String],
    users: &[u64],
    tokens: &HashMap<u64, String>,
    live: &Shared,
    recorder: &Arc<Recorder>,
) -> anyhow::Result<Vec<Worker>> {
    let exe = std::env::current_exe().context("finding this program to start workers")?;
    let per_worker = args.sessions_per_worker as usize;
    let count = users.len().div_ceil(per_worker);
    let loopback = ws_urls
        .iter()
        .all(|url| url.starts_with("ws://127.") || url.starts_with("ws://localhost"));
    if count > 1 && loopback && count > 254 {
        bail!("{count} workers need more than 254 loopback addresses");
    }
    let mut workers = Vec::with_capacity(count);
    for (k, chunk) in users.chunks(per_worker).enumerate() {
        let source =
            (count > 1 && loopback).then(|| IpAddr::V4(Ipv4Addr::new(127, 0, 0, k as u8 + 1)));
        let sessions = chunk
            .iter()
            .enumerate()
            .map(|(i, user)| {
                let index = k * per_worker + i;
                SessionSpec {
                    index: index as u32,
                    instance: index % ws_urls.len(),
                    token: tokens.get(user).cloned().unwrap_or_default(),
                }
            })
            .collect();
        let mut child = Command::new(&exe)
            .arg("ws-worker")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("starting a worker process")?;
        let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            bail!("a worker started without pipes");
        };
        let mut orders = serde_json::to_vec(&ToWorker::Open {
            urls: ws_urls.to_vec(),
            source,
            connect_concurrency: args.connect_concurrency,
            reconnect: args.kill_pid.is_some(),
            sessions,
        })?;
        orders.push(b'\n');
        stdin
            .write_all(&orders)
            .await
            .context("instructing a worker")?;
        let (live, recorder) = (Arc::clone(live), Arc::clone(recorder));
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Ok(message) = serde_json::from_str(&line) {
                    apply(&live, &recorder, message);
                }
            }
        });
        workers.push(Worker { child, stdin });
    }
    Ok(workers)
}

/// Waits until every session is ready or has failed, or stops waiting when
/// nothing has moved for a while.
async fn wait_for_sessions(live: &Shared, total: usize) {
    let bar = progress::bar(total as u64, "connecting");
    let mut last = (0, Instant::now());
    loop {
        let settled = lock(live)
            .states
            .iter()
            .filter(|s| **s != State::Pending)
            .count();
        bar.set_position(settled as u64);
        if settled == total {
            break;
        }
        if settled != last.0 {
            last = (settled, Instant::now());
        } else if last.1.elapsed() > Duration::from_secs(30) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bar.finish_and_clear();
}

async fn stop_workers(live: &Shared, workers: Vec<Worker>) {
    lock(live).closing = true;
    for mut worker in workers {
        let _ = worker.stdin.write_all(b"{\"type\":\"close\"}\n").await;
        drop(worker.stdin);
        if tokio::time::timeout(Duration::from_secs(20), worker.child.wait())
            .await
            .is_err()
        {
            let _ = worker.child.kill().await;
        }
    }
}

/// Waits until `tally()` shows nothing missing, or `grace` has passed.
async fn settle(grace: Duration, tally: impl Fn() -> Tally) -> Tally {
    let deadline = Instant::now() + grace;
    loop {
        let now = tally();
        if now.missing == 0 || Instant::now() >= deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Records a tally's deliveries as one operation, each at its arrival.
fn record(recorder: &Recorder, op: &str, tally: &Tally) {
    let (now, now_at) = (Instant::now(), now_micros());
    for &(latency, arrived_at) in &tally.deliveries {
        let ago = Duration::from_micros((now_at - arrived_at).max(0) as u64);
        let arrived = now.checked_sub(ago).unwrap_or(now);
        let latency = Duration::from_micros(latency as u64);
        recorder.record_at(op, latency, Outcome::Ok, arrived);
    }
    for (kind, n) in [
        ("missing", tally.missing),
        ("duplicate", tally.duplicates),
        ("unexpected", tally.unexpected),
        ("out of order", tally.out_of_order),
    ] {
        for _ in 0..n {
            recorder.record(op, Duration::ZERO, Outcome::Failed(kind));
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn like_test(
    args: &WsArgs,
    apis: &[Api],
    setup: &Recorder,
    recorder: &Arc<Recorder>,
    live: &Shared,
    sessions_of: &HashMap<i64, Vec<u32>>,
    tokens: &HashMap<u64, String>,
    workers: &mut [Worker],
) -> anyhow::Result<Value> {
    let api = &apis[0];
    let likers = register_likers(api, setup, args.likers, &args.password).await?;
    let candidates = posts_of_recipients(api, setup, sessions_of).await;
    if candidates.is_empty() || likers.is_empty() {
        return Ok(json!({ "skipped": "no connected user has a post" }));
    }
    if args.kill_pid.is_some() {
        send_baselines(api, setup, &candidates, sessions_of, tokens, workers).await?;
    }
    let total = ((args.like_rate * args.duration.as_secs_f64()) as usize)
        .min(candidates.len() * likers.len());
    let interval = Duration::from_secs_f64(1.0 / args.like_rate);
    let spinner = progress::spinner("likes → notifications");
    let start = Instant::now();
    let chaos = args
        .kill_pid
        .map(|pid| tokio::spawn(chaos(pid, args.kill_after, args.restart.clone())));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..total {
        // Every (liker, post) pair once: a repeated like notifies nobody.
        let (post, author) = candidates[i % candidates.len()];
        let liker = likers[i / candidates.len()].clone();
        let (api, recorder) = (apis[i % apis.len()].clone(), Arc::clone(recorder));
        let due = start + interval.mul_f64(i as f64);
        tasks.spawn(async move {
            tokio::time::sleep_until(due.into()).await;
            let sent_at = now_micros();
            let request = api
                .put(&format!("/api/posts/{post}/like"))
                .bearer_auth(&liker.token);
            api.call(&recorder, LIKE, request, due)
                .await
                .map(|_| SentLike {
                    liker: liker.user_id,
                    post,
                    author,
                    sent_at,
                })
        });
    }
    let mut sent = Vec::with_capacity(total);
    while let Some(result) = tasks.join_next().await {
        if let Some(like) = result.context("a like task panicked")? {
            sent.push(like);
        }
    }
    let chaos = match chaos {
        Some(task) => task.await.context("the chaos task panicked")??,
        None => Value::Null,
    };
    let liker_ids: HashSet<i64> = likers.iter().map(|l| l.user_id).collect();
    let tally = settle(args.grace, || {
        checks::tally_likes(&lock(live).received, &sent, sessions_of, &liker_ids)
    })
    .await;
    spinner.finish_and_clear();
    record(recorder, LIKE_DELIVERY, &tally);
    let per_user = checks::per_user(&lock(live).received, &sent, sessions_of);
    Ok(json!({
        "sent": total,
        "accepted": sent.len(),
        "deliveries": tally,
        "per_user": per_user,
        "chaos": chaos,
    }))
}

/// Tells the workers where each liked user's stream stands before the
/// likes, so a session that has not received one of them yet when its
/// instance dies reconnects with the right `since`.
async fn send_baselines(
    api: &Api,
    setup: &Recorder,
    candidates: &[(i64, i64)],
    sessions_of: &HashMap<i64, Vec<u32>>,
    tokens: &HashMap<u64, String>,
    workers: &mut [Worker],
) -> anyhow::Result<()> {
    let authors: HashSet<i64> = candidates.iter().map(|&(_, author)| author).collect();
    let latest = futures_util::stream::iter(authors.into_iter().map(|author| async move {
        let token = tokens.get(&(author as u64))?;
        let request = api
            .get("/api/notifications")
            .query(&[("limit", "1")])
            .bearer_auth(token);
        let op = "GET /api/notifications";
        let page = api.call(setup, op, request, Instant::now()).await?;
        Some((author, page["items"][0]["seq"].as_i64().unwrap_or(0)))
    }))
    .buffer_unordered(16)
    .collect::<Vec<_>>()
    .await;
    let seqs: Vec<(u32, i64)> = latest
        .into_iter()
        .flatten()
        .flat_map(|(author, seq)| {
            sessions_of
                .get(&author)
                .into_iter()
                .flatten()
                .map(move |&session| (session, seq))
        })
        .collect();
    let mut line = serde_json::to_vec(&ToWorker::Baseline { seqs })?;
    line.push(b'\n');
    for worker in workers {
        worker
            .stdin
            .write_all(&line)
            .await
            .context("instructing a worker")?;
    }
    Ok(())
}

/// Kills `pid` with SIGKILL after `after`, then runs `restart`, if any.
async fn chaos(pid: u32, after: Duration, restart: Option<String>) -> anyhow::Result<Value> {
    tokio::time::sleep(after).await;
    let killed_at = now_micros();
    let status = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .await
        .context("running kill")?;
    if !status.success() {
        bail!("kill -KILL {pid} failed");
    }
    let restarted = match restart {
        Some(command) => {
            let started = Instant::now();
            let status = Command::new("sh")
                .args(["-c", &command])
                .stdin(Stdio::null())
                .status()
                .await
                .context("running the restart command")?;
            if !status.success() {
                bail!("the restart command failed: {status}");
            }
            json!({ "command": command, "ms": started.elapsed().as_secs_f64() * 1000.0 })
        }
        None => Value::Null,
    };
    Ok(json!({ "killed_pid": pid, "killed_at_unix_micros": killed_at, "restart": restarted }))
}

/// Fresh accounts for this run, named so that runs never collide.
async fn register_likers(
    api: &Api,
    setup: &Recorder,
    count: u32,
    password: &str,
) -> anyhow::Result<Vec<Auth>> {
    let run = now_micros() % 1_000_000_000_000;
    let mut likers = Vec::new();
    for k in 0..count {
        let username = format!("ltliker{run}x{k}");
        let request = api.post("/api/auth/register").json(&json!({
            "username": username,
            "email": format!("{username}@example.com"),
            "password": password,
        }));
        let op = "POST /api/auth/register";
        let body = api
            .call(setup, op, request, Instant::now())
            .await
            .with_context(|| format!("cannot register the liker {username}"))?;
        likers.push(auth_from(&body).context("a register answer without a token")?);
    }
    Ok(likers)
}

/// Recent posts `(post, author)` of some connected users.
async fn posts_of_recipients(
    api: &Api,
    setup: &Recorder,
    sessions_of: &HashMap<i64, Vec<u32>>,
) -> Vec<(i64, i64)> {
    let mut recipients: Vec<i64> = sessions_of.keys().copied().collect();
    recipients.sort_unstable();
    recipients.truncate(LIKE_RECIPIENTS);
    let pages = futures_util::stream::iter(recipients.into_iter().map(|user| async move {
        let name = population::username(user as u64);
        let request = api
            .get(&format!("/api/users/{name}/posts"))
            .query(&[("limit", "20")]);
        let op = "GET /api/users/{username}/posts";
        api.call(setup, op, request, Instant::now()).await
    }))
    .buffer_unordered(16)
    .collect::<Vec<_>>()
    .await;
    let mut posts = Vec::new();
    for page in pages.into_iter().flatten() {
        for item in page["items"].as_array().into_iter().flatten() {
            if let (Some(post), Some(author)) = (item["id"].as_i64(), item["author"]["id"].as_i64())
            {
                posts.push((post, author));
            }
        }
    }
    posts.sort_unstable();
    posts
}

async fn fanout_test(
    args: &WsArgs,
    api: &Api,
    recorder: &Arc<Recorder>,
    live: &Shared,
    star: &Auth,
    followers: &Followers,
    sessions_of: &HashMap<i64, Vec<u32>>,
) -> anyhow::Result<Value> {
    let follower_sessions: Vec<u32> = sessions_of
        .iter()
        .filter(|(user, _)| followers.all.contains(&(**user as u64)))
        .flat_map(|(_, sessions)| sessions.iter().copied())
        .collect();
    let photo = crate::picture::small_jpeg(args.seed)?;
    let spinner = progress::spinner("new posts → followers");
    let mut results = Vec::new();
    for k in 0..args.fanout_posts {
        if k > 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let image = Part::bytes(photo.clone())
            .file_name("photo.jpg")
            .mime_str("image/jpeg")?;
        let form = Form::new()
            .text("caption", format!("fan-out test {k} #loadtest"))
            .part("image", image);
        let request = api
            .post("/api/posts")
            .multipart(form)
            .bearer_auth(&star.token);
        let sent_at = now_micros();
        let Some(post) = api
            .call(recorder, STAR_POST, request, Instant::now())
            .await
            .and_then(|body| body["id"].as_i64())
        else {
            continue;
        };
        let tally = settle(args.grace, || {
            checks::tally_post(&lock(live).received, post, sent_at, &follower_sessions)
        })
        .await;
        record(recorder, POST_DELIVERY, &tally);
        results.push(json!({ "post_id": post, "deliveries": tally }));
    }
    spinner.finish_and_clear();
    Ok(Value::Array(results))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_go_to_followers_then_others_then_repeat() {
        let followers = Followers {
            seeded: vec![2, 5],
            all: HashSet::from([2, 5, 9]),
            complete: true,
        };
        assert_eq!(
            session_users(&followers, 6, 1, 6).unwrap(),
            vec![2, 5, 3, 4, 6, 2]
        );
        let partial = Followers {
            complete: false,
            ..followers
        };
        assert_eq!(session_users(&partial, 6, 1, 3).unwrap(), vec![2, 5, 2]);
    }

    #[test]
    fn websocket_url_follows_the_base() {
        assert_eq!(
            websocket_url("http://127.0.0.1:8080/").unwrap(),
            "ws://127.0.0.1:8080/api/ws"
        );
        assert!(websocket_url("https://example.com").is_err());
    }
}
