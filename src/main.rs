//! The `shutterbug` binary: read the configuration, build the app, serve it.
//! `shutterbug healthcheck` instead asks a running server on `LISTEN_ADDR`
//! whether it is alive (for a container's `HEALTHCHECK`, which has no curl).

use anyhow::Context;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = shutterbug::Config::from_env()?;
    if std::env::args().nth(1).as_deref() == Some("healthcheck") {
        return shutterbug::healthcheck(config.listen_addr).await;
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn")),
        )
        .init();
    return_large_buffers_to_the_os();

    let listen_addr = config.listen_addr;
    let app = shutterbug::build(config).await?;
    let listener = tokio::net::TcpListener::bind(listen_addr)
        .await
        .with_context(|| format!("cannot listen on {listen_addr} (LISTEN_ADDR)"))?;
    tracing::info!(
        "Shutterbug listening on http://{} with {}",
        listener.local_addr()?,
        app.state.db.describe()
    );
    if let Some(metrics_addr) = app.state.config.metrics_addr {
        let metrics = tokio::net::TcpListener::bind(metrics_addr)
            .await
            .with_context(|| format!("cannot listen on {metrics_addr} (METRICS_ADDR)"))?;
        tracing::info!("metrics at http://{}/metrics", metrics.local_addr()?);
        tokio::spawn(shutterbug::serve_metrics(
            app.metrics.clone(),
            metrics,
            app.state.config.header_read_timeout,
        ));
    }
    shutterbug::serve(app, listener, shutterbug::shutdown_signal()).await
}

/// glibc raises its mmap threshold each time a large block is freed, so
/// after a while the pipeline's 10–20 MB image buffers come from arena heaps
/// that are never given back: 16 concurrent ten-photo posts left the
/// process about 930 MiB larger. A fixed 1 MiB threshold keeps such blocks
/// mmapped, returned to the OS on free: the same run grew about 150 MiB
/// (README, Performance). Small allocations are unaffected.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_buffers_to_the_os() {
    // SAFETY: mallopt only tunes the allocator; it takes the allocator's own
    // lock and may be called at any time.
    if unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20) } != 1 {
        tracing::warn!("could not set the malloc mmap threshold");
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_buffers_to_the_os() {}
