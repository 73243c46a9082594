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
    shutterbug::serve(app, listener, shutterbug::shutdown_signal()).await
}
