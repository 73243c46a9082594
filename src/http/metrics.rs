//! `GET /metrics` in the Prometheus text format: requests by matched route
//! and status, a latency histogram per route, live WebSocket sessions,
//! events sent and dropped, and the database pool.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use dashmap::DashMap;

use crate::http::state::AppState;
use crate::store::Db;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
pub struct Metrics {
    requests: DashMap<(String, u16), AtomicU64>,
    latency: DashMap<String, Histogram>,
}

#[derive(Default)]
struct Histogram {
    /// Cumulative counts per bucket, then the `+Inf` bucket.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

impl Metrics {
    pub fn record(&self, route: &str, status: u16, latency: Duration) {
        let key = (route.to_owned(), status);
        if let Some(count) = self.requests.get(&key) {
            count.fetch_add(1, Ordering::Relaxed);
        } else {
            self.requests
                .entry(key)
                .or_default()
                .fetch_add(1, Ordering::Relaxed);
        }
        let seconds = latency.as_secs_f64();
        let histogram = match self.latency.get(route) {
            Some(histogram) => histogram,
            None => self
                .latency
                .entry(route.to_owned())
                .or_default()
                .downgrade(),
        };
        let first = BUCKETS
            .iter()
            .position(|&bound| seconds <= bound)
            .unwrap_or(BUCKETS.len());
        for bucket in &histogram.buckets[first..] {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        histogram
            .sum_micros
            .fetch_add(latency.as_micros() as u64, Ordering::Relaxed);
    }

    fn render(&self, state: &AppState) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP shutterbug_http_requests_total HTTP requests by matched route and status.\n",
        );
        out.push_str("# TYPE shutterbug_http_requests_total counter\n");
        for entry in self.requests.iter() {
            let (route, status) = entry.key();
            let _ = writeln!(
                out,
                "shutterbug_http_requests_total{{route=\"{}\",status=\"{status}\"}} {}",
                escape(route),
                entry.value().load(Ordering::Relaxed)
            );
        }
        out.push_str(
            "# HELP shutterbug_http_request_duration_seconds Request latency by matched route.\n",
        );
        out.push_str("# TYPE shutterbug_http_request_duration_seconds histogram\n");
        for entry in self.latency.iter() {
            let route = escape(entry.key());
            let histogram = entry.value();
            for (bound, count) in BUCKETS.iter().zip(&histogram.buckets) {
                let _ = writeln!(
                    out,
                    "shutterbug_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {}",
                    count.load(Ordering::Relaxed)
                );
            }
            let total = histogram.buckets[BUCKETS.len()].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "shutterbug_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {total}"
            );
            let _ = writeln!(
                out,
                "shutterbug_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                histogram.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
            );
            let _ = writeln!(
                out,
                "shutterbug_http_request_duration_seconds_count{{route=\"{route}\"}} {total}"
            );
        }

        let (sent, dropped) = state.hub.event_counts();
        let gauges = [
            (
                "shutterbug_ws_sessions",
                "gauge",
                "Live WebSocket sessions.",
                state.hub.live_sessions(),
            ),
            (
                "shutterbug_ws_users",
                "gauge",
                "Users with a live WebSocket session.",
                state.hub.connected_users() as u64,
            ),
            (
                "shutterbug_ws_events_sent_total",
                "counter",
                "Events queued for live sessions.",
                sent,
            ),
            (
                "shutterbug_ws_events_dropped_total",
                "counter",
                "Events dropped because a session was too slow (it was closed with 4008).",
                dropped,
            ),
        ];
        for (name, kind, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        let (size, idle) = match &state.db {
            Db::Sqlite(pool) => (pool.size(), pool.num_idle() as u32),
            Db::Postgres(pool) => (pool.size(), pool.num_idle() as u32),
        };
        let _ = writeln!(
            out,
            "# HELP shutterbug_db_connections Database connections by state.\n\
             # TYPE shutterbug_db_connections gauge\n\
             shutterbug_db_connections{{state=\"in_use\"}} {}\n\
             shutterbug_db_connections{{state=\"idle\"}} {idle}",
            size.saturating_sub(idle)
        );
        out
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The Prometheus scrape endpoint. Operators should keep it off the public
/// internet (it reveals traffic, not data).
pub async fn scrape(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(&state),
    )
}
