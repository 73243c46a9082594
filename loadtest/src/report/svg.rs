//! Latency over time as an SVG chart: p99 (solid) and p50 (faint) per
//! operation, one point per second, on a logarithmic axis.

use std::path::Path;

use plotters::prelude::*;

use super::Report;

pub fn draw(report: &Report, path: &Path) -> anyhow::Result<()> {
    let seconds = report.duration_seconds.ceil().max(1.0);
    let points = report.operations.iter().flat_map(|o| &o.series);
    let highest = points
        .clone()
        .map(|w| w.p99_ms.max(w.p50_ms))
        .fold(1.0f64, f64::max);
    let lowest = points
        .filter(|w| w.p50_ms > 0.0)
        .map(|w| w.p50_ms)
        .fold(highest, f64::min);

    let root = SVGBackend::new(path, (1200, 700)).into_drawing_area();
    let failed = |e: &dyn std::fmt::Debug| anyhow::anyhow!("drawing {}: {e:?}", path.display());
    root.fill(&WHITE).map_err(|e| failed(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{}: latency over time", report.scenario),
            ("sans-serif", 22),
        )
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..seconds, ((lowest / 2.0)..(highest * 2.0)).log_scale())
        .map_err(|e| failed(&e))?;
    chart
        .configure_mesh()
        .x_desc("seconds since start")
        .y_desc("latency (ms)")
        .draw()
        .map_err(|e| failed(&e))?;

    for (i, op) in report.operations.iter().enumerate() {
        let colour = Palette99::pick(i).to_rgba();
        let line = |pick: fn(&super::WindowSummary) -> f64| {
            op.series
                .iter()
                .filter(|w| w.requests > 0)
                .map(move |w| (w.second as f64 + 0.5, pick(w)))
                .collect::<Vec<_>>()
        };
        chart
            .draw_series(LineSeries::new(line(|w| w.p99_ms), colour.stroke_width(2)))
            .map_err(|e| failed(&e))?
            .label(format!("{} p99", op.name))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(line(|w| w.p50_ms), colour.mix(0.35)))
            .map_err(|e| failed(&e))?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| failed(&e))?;
    root.present().map_err(|e| failed(&e))?;
    Ok(())
}
