//! Measurements: per-operation latency histograms, errors by status and a
//! per-second series, summarised as a table, JSON and an SVG chart.

mod svg;
mod table;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;
use serde::Serialize;

/// The largest latency the histograms hold, in microseconds (one hour).
const MAX_MICROS: u64 = 3_600_000_000;
/// Seconds a per-second window stays open for late records (events matched
/// after the fact) before it is summarised and its histogram dropped.
const WINDOW_KEPT_OPEN: u64 = 120;

/// How one request ended.
#[derive(Clone, Copy, Debug)]
pub enum Outcome {
    Ok,
    /// An HTTP answer with an unexpected status.
    Status(u16),
    /// No answer: connection refused or reset, timeout, bad body.
    Failed(&'static str),
}

/// Shared by every task of a run; a short lock per record.
pub struct Recorder {
    started: Instant,
    ops: Mutex<BTreeMap<String, OpStats>>,
}

struct OpStats {
    /// Microseconds.
    latency: Histogram<u64>,
    ok: u64,
    errors: BTreeMap<String, u64>,
    /// Recent one-second windows, by completion time.
    open: BTreeMap<u64, Window>,
    /// Summaries of the windows closed so far, in order.
    series: Vec<WindowSummary>,
}

impl OpStats {
    /// The window of `second`, closing those too old to receive more; none
    /// when `second` itself is already closed.
    fn window(&mut self, second: u64) -> Option<&mut Window> {
        let newest = self
            .open
            .keys()
            .next_back()
            .copied()
            .unwrap_or(0)
            .max(second);
        while let Some(entry) = self.open.first_entry() {
            if *entry.key() + WINDOW_KEPT_OPEN >= newest {
                break;
            }
            self.series.push(entry.remove().summary());
        }
        if self.series.last().is_some_and(|w| w.second >= second) {
            return None;
        }
        Some(
            self.open
                .entry(second)
                .or_insert_with(|| Window::new(second)),
        )
    }
}

struct Window {
    second: u64,
    latency: Histogram<u64>,
    requests: u64,
    errors: u64,
}

impl Window {
    fn new(second: u64) -> Self {
        Self {
            second,
            // Two significant digits are plenty for a chart.
            latency: histogram(2),
            requests: 0,
            errors: 0,
        }
    }

    fn summary(&self) -> WindowSummary {
        WindowSummary {
            second: self.second,
            requests: self.requests,
            errors: self.errors,
            p50_ms: quantile_ms(&self.latency, 0.50),
            p99_ms: quantile_ms(&self.latency, 0.99),
            max_ms: micros_to_ms(self.latency.max()),
        }
    }
}

fn histogram(significant_digits: u8) -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_MICROS, significant_digits)
        .unwrap_or_else(|_| unreachable!("constant histogram bounds are valid"))
}

impl Recorder {
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
            ops: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn started(&self) -> Instant {
        self.started
    }

    /// Records one request of `op` that took `latency`, ending now.
    pub fn record(&self, op: &str, latency: Duration, outcome: Outcome) {
        self.record_at(op, latency, outcome, Instant::now());
    }

    /// Records one request of `op` that took `latency` and ended at `end`.
    pub fn record_at(&self, op: &str, latency: Duration, outcome: Outcome, end: Instant) {
        let second = end.saturating_duration_since(self.started).as_secs();
        let micros = (latency.as_micros() as u64).clamp(1, MAX_MICROS);
        let mut ops = self
            .ops
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let stats = ops.entry(op.to_owned()).or_insert_with(|| OpStats {
            latency: histogram(3),
            ok: 0,
            errors: BTreeMap::new(),
            open: BTreeMap::new(),
            series: Vec::new(),
        });
        let error = match outcome {
            Outcome::Ok => None,
            Outcome::Status(status) => Some(status.to_string()),
            Outcome::Failed(kind) => Some(kind.to_owned()),
        };
        // A request that got no answer has no latency worth charting.
        let answered = !matches!(outcome, Outcome::Failed(_));
        match &error {
            None => stats.ok += 1,
            Some(key) => *stats.errors.entry(key.clone()).or_default() += 1,
        }
        if answered {
            stats.latency.saturating_record(micros);
        }
        if let Some(window) = stats.window(second) {
            window.requests += 1;
            window.errors += u64::from(error.is_some());
            if answered {
                window.latency.saturating_record(micros);
            }
        }
    }

    /// Requests and errors so far, for the progress line.
    pub fn totals(&self) -> (u64, u64) {
        let ops = self
            .ops
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        ops.values().fold((0, 0), |(requests, errors), s| {
            let e: u64 = s.errors.values().sum();
            (requests + s.ok + e, errors + e)
        })
    }

    /// Summarises every operation over `elapsed`.
    pub fn summarise(&self, elapsed: Duration) -> Vec<OpSummary> {
        let ops = self
            .ops
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let seconds = elapsed.as_secs_f64().max(1e-9);
        ops.iter()
            .map(|(name, s)| {
                let error_count: u64 = s.errors.values().sum();
                let requests = s.ok + error_count;
                let mut series = s.series.clone();
                series.extend(s.open.values().map(Window::summary));
                OpSummary {
                    name: name.clone(),
                    requests,
                    ok: s.ok,
                    error_count,
                    errors: s.errors.clone(),
                    requests_per_second: requests as f64 / seconds,
                    latency_ms: Latency {
                        mean: s.latency.mean() / 1000.0,
                        p50: quantile_ms(&s.latency, 0.50),
                        p90: quantile_ms(&s.latency, 0.90),
                        p99: quantile_ms(&s.latency, 0.99),
                        p99_9: quantile_ms(&s.latency, 0.999),
                        max: micros_to_ms(s.latency.max()),
                    },
                    series,
                }
            })
            .collect()
    }
}

fn quantile_ms(histogram: &Histogram<u64>, quantile: f64) -> f64 {
    micros_to_ms(histogram.value_at_quantile(quantile))
}

fn micros_to_ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

#[derive(Clone, Debug, Serialize)]
pub struct Latency {
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p99_9: f64,
    pub max: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct WindowSummary {
    pub second: u64,
    pub requests: u64,
    pub errors: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct OpSummary {
    pub name: String,
    pub requests: u64,
    pub ok: u64,
    pub error_count: u64,
    /// By HTTP status, or by failure kind (`io`, `timeout`, ...).
    pub errors: BTreeMap<String, u64>,
    pub requests_per_second: f64,
    pub latency_ms: Latency,
    pub series: Vec<WindowSummary>,
}

/// Everything a run measured.
#[derive(Debug, Serialize)]
pub struct Report {
    pub scenario: String,
    pub url: String,
    pub started_at: String,
    pub duration_seconds: f64,
    pub concurrency: usize,
    /// Target requests per second of a fixed-rate run.
    pub rate: Option<f64>,
    /// True for fixed-rate runs: latency counts from when each request was
    /// due, not from when it was sent, so a stall shows in full.
    pub latency_from_schedule: bool,
    pub requests: u64,
    pub errors: u64,
    /// Work done before the clock started (logging in), if any.
    pub setup: Vec<OpSummary>,
    pub operations: Vec<OpSummary>,
    /// Scenario-specific results (the WebSocket scenario's checks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

/// What describes a run besides its measurements.
pub struct RunInfo<'a> {
    pub scenario: &'a str,
    pub url: &'a str,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub elapsed: Duration,
    pub concurrency: usize,
    pub rate: Option<f64>,
}

impl Report {
    pub fn new(info: RunInfo<'_>, setup: Vec<OpSummary>, operations: Vec<OpSummary>) -> Self {
        Self {
            scenario: info.scenario.to_owned(),
            url: info.url.to_owned(),
            started_at: info.started_at.to_rfc3339(),
            duration_seconds: info.elapsed.as_secs_f64(),
            concurrency: info.concurrency,
            rate: info.rate,
            latency_from_schedule: info.rate.is_some(),
            requests: operations.iter().map(|o| o.requests).sum(),
            errors: operations.iter().map(|o| o.error_count).sum(),
            setup,
            operations,
            details: None,
        }
    }

    /// Prints the table and writes the requested files.
    pub fn emit(&self, json: Option<&Path>, svg: Option<&Path>) -> anyhow::Result<()> {
        print!("{}", table::render(self));
        if let Some(path) = json {
            let text = serde_json::to_string_pretty(self)?;
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        }
        if let Some(path) = svg {
            svg::draw(self, path)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_counted_by_outcome_and_charted_by_their_second() {
        let recorder = Recorder::new();
        let start = recorder.started();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let ms = Duration::from_millis;
        recorder.record_at("op", ms(5), Outcome::Ok, at(2_500));
        // Matched late, but it belongs to second 0.
        recorder.record_at("op", ms(9), Outcome::Status(500), at(500));
        recorder.record_at("op", ms(1), Outcome::Failed("io"), at(2_100));
        let summary = &recorder.summarise(Duration::from_secs(4))[0];
        assert_eq!(
            (summary.requests, summary.ok, summary.error_count),
            (3, 1, 2)
        );
        assert_eq!(summary.errors.get("500"), Some(&1));
        assert_eq!(summary.errors.get("io"), Some(&1));
        assert!((summary.requests_per_second - 0.75).abs() < 1e-9);
        // The failure without an answer has no latency.
        assert!((summary.latency_ms.max - 9.0).abs() < 0.01);
        assert!((summary.latency_ms.p50 - 5.0).abs() < 0.01);
        let seconds: Vec<(u64, u64, u64)> = summary
            .series
            .iter()
            .map(|w| (w.second, w.requests, w.errors))
            .collect();
        assert_eq!(seconds, vec![(0, 1, 1), (2, 2, 1)]);
    }
}
