//! The end-of-run table on stdout.

use std::fmt::Write;

use super::{OpSummary, Report};

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{} against {}: {:.1} s, concurrency {}{}",
        report.scenario,
        report.url,
        report.duration_seconds,
        report.concurrency,
        match report.rate {
            Some(rate) => format!(", fixed rate {rate}/s (latency from schedule)"),
            None => String::new(),
        }
    );
    if !report.setup.is_empty() {
        let _ = writeln!(out, "setup (not timed):");
        ops(&mut out, &report.setup);
    }
    ops(&mut out, &report.operations);
    let _ = writeln!(
        out,
        "total: {} requests, {} errors, {:.1} requests/s",
        report.requests,
        report.errors,
        report.requests as f64 / report.duration_seconds.max(1e-9)
    );
    out
}

fn ops(out: &mut String, ops: &[OpSummary]) {
    let width = ops.iter().map(|o| o.name.len()).max().unwrap_or(9).max(9);
    let _ = writeln!(
        out,
        "{:<width$} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}  errors",
        "operation", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms"
    );
    for op in ops {
        let errors = if op.errors.is_empty() {
            "0".to_owned()
        } else {
            op.errors
                .iter()
                .map(|(kind, n)| format!("{kind}×{n}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let l = &op.latency_ms;
        let _ = writeln!(
            out,
            "{:<width$} {:>9} {:>9.1} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2}  {errors}",
            op.name, op.requests, op.requests_per_second, l.p50, l.p90, l.p99, l.p99_9, l.max
        );
    }
}
