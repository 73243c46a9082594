//! Shutterbug: an Instagram-style social server.
//!
//! [`build`] turns a [`Config`] into a ready application (database open and
//! migrated, router assembled); [`serve`] runs it on a listener until a
//! shutdown future resolves. `main.rs` and the integration tests both go
//! through these two functions, so tests exercise the very same app.

pub mod config;
pub mod domain;
pub mod http;
pub mod live;
pub mod media;
pub mod services;
pub mod store;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;
use tokio::time::Instant;

pub use config::Config;
use http::state::{AppState, Shared};
use services::auth;

/// A built application: its router, the operator's metrics router (served
/// only where `METRICS_ADDR` says) and the state behind them.
pub struct App {
    pub router: Router,
    pub metrics: Router,
    pub state: AppState,
}

/// Opens and migrates the database, loads secrets and assembles the router.
pub async fn build(config: Config) -> anyhow::Result<App> {
    if let Some(dir) = &config.static_dir {
        anyhow::ensure!(
            dir.join("index.html").is_file(),
            "STATIC_DIR {} has no index.html",
            dir.display()
        );
    }
    let db = store::Db::connect_with(
        &config.database_url,
        config.database_acquire_timeout,
        config.database_max_connections,
    )
    .await?;
    db.migrate().await?;
    let admins = services::moderation::configured_admins(&config)?;
    store::moderation::promote_admins(&db, &admins)
        .await
        .context("making the ADMIN_USERNAMES accounts admins")?;

    let secret = match &config.jwt_secret {
        Some(secret) => secret.0.as_bytes().to_vec(),
        None => auth::load_or_create_jwt_secret(&config.data_dir)?,
    };

    let tokens = auth::TokenKeys::new(&secret, config.access_token_ttl);
    let sessions = auth::Sessions::new(db.clone(), config.refresh_token_ttl);
    let revoked = live::RevokedSessions::new(tokens.accepted_for());
    revoked.restore(
        sessions
            .recently_revoked(tokens.accepted_for())
            .await
            .context("loading recently revoked sessions")?,
    );
    let verifier = auth::Verifier::new(tokens.clone(), revoked.clone());
    let blobs: Arc<dyn media::BlobStore> = match &config.media_store {
        Some(bucket) => Arc::new(media::S3Bucket::new(bucket, config.media_base_url.clone())?),
        None => {
            std::fs::create_dir_all(&config.upload_dir)
                .with_context(|| format!("creating UPLOAD_DIR {}", config.upload_dir.display()))?;
            Arc::new(media::LocalDisk::new(
                config.upload_dir.clone(),
                config.media_base_url.clone(),
            ))
        }
    };
    services::media::spawn_sweeper(db.clone(), Arc::clone(&blobs), config.media_sweep_interval);
    let hub = live::Hub::new(config.ws_queue_capacity, config.ws_max_sessions_per_user);
    let redis = match &config.redis_url {
        Some(url) => Some(services::cluster::Redis::open(
            &url.0,
            &config.redis_prefix,
        )?),
        None => None,
    };
    let redis_health = redis
        .as_ref()
        .map(|_| services::cluster::RedisHealth::default());
    let broker: Arc<dyn live::Broker> = match (&redis, &redis_health) {
        (Some(redis), Some(health)) => Arc::new(services::cluster::RedisBroker::start(
            redis,
            db.clone(),
            hub.clone(),
            revoked.clone(),
            health.clone(),
        )),
        _ => Arc::new(live::InProcess::new(hub.clone(), revoked.clone())),
    };
    let sockets = Arc::new(live::Context {
        hub: hub.clone(),
        revoked: revoked.clone(),
        verifier: Arc::new(verifier.clone()),
        backlog: Arc::new(services::notifications::History::new(
            db.clone(),
            Arc::clone(&blobs),
        )),
        auth_timeout: config.ws_auth_timeout,
        ping_interval: config.ws_ping_interval,
    });
    let state = AppState::new(Shared {
        tokens,
        verifier,
        passwords: auth::PasswordHasher::new(config.bcrypt_cost).await?,
        sessions,
        media: media::MediaStore::new(
            Arc::clone(&blobs),
            Arc::new(services::media::PendingDeletions::new(db.clone())),
            config.max_image_bytes,
        )
        .with_upload_budget(config.upload_memory_budget),
        blobs,
        broker,
        redis: redis_health,
        hub,
        sockets,
        limits: http::limits::Limits::new(
            config.rate_limits,
            redis.as_ref().map(services::cluster::SharedLimits::new),
        ),
        metrics: http::metrics::Metrics::default(),
        tasks: tokio_util::task::TaskTracker::new(),
        db,
        config,
    });
    let router = http::router(state.clone());
    let metrics = http::metrics_router(state.clone());
    Ok(App {
        router,
        metrics,
        state,
    })
}

/// Serves `app` until `shutdown` resolves, then lets in-flight requests and
/// detached writes finish, closes live sockets and the pool, all within one
/// shutdown timeout.
pub async fn serve(
    app: App,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let App { router, state, .. } = app;
    let hub = state.hub.clone();
    let grace = state.config.shutdown_timeout;
    let (deadline_tx, deadline_rx) = tokio::sync::watch::channel(None);
    let server = http::server::serve(
        listener,
        router,
        state.config.header_read_timeout,
        async move {
            shutdown.await;
            tracing::info!("shutting down: finishing in-flight requests, closing live sockets");
            let _ = deadline_tx.send(Some(Instant::now() + grace));
            hub.close_all(live::close::GOING_AWAY);
        },
    );

    let mut stopping = deadline_rx.clone();
    let deadline = async move {
        let deadline = stopping.wait_for(Option::is_some).await.map(|d| *d);
        if let Ok(Some(deadline)) = deadline {
            tokio::time::sleep_until(deadline).await;
        }
    };
    tokio::select! {
        () = server => {}
        () = deadline => tracing::warn!("shutdown timeout reached; dropping unfinished requests"),
    }
    // Set by now, unless the server stopped without being asked to.
    let deadline = deadline_rx
        .borrow()
        .unwrap_or_else(|| Instant::now() + grace);
    state.tasks.close();
    if tokio::time::timeout_at(deadline, state.tasks.wait())
        .await
        .is_err()
    {
        tracing::warn!("shutdown timeout reached; abandoning unfinished uploads");
    }
    // Upgraded sockets outlive the HTTP server; give them a moment to send
    // their close frames.
    let sockets_closed = async {
        while state.hub.live_sessions() > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    let _ = tokio::time::timeout_at(deadline, sockets_closed).await;
    state.db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Serves the operator's `/metrics` on its own listener (`METRICS_ADDR`)
/// until the process ends.
pub async fn serve_metrics(
    metrics: Router,
    listener: TcpListener,
    header_read_timeout: std::time::Duration,
) {
    http::server::serve(
        listener,
        metrics,
        header_read_timeout,
        std::future::pending(),
    )
    .await;
}

/// Asks the server listening on `listen_addr` for `GET /api/health`; `Ok`
/// when it answers `200` within 3 s. A wildcard address is asked on loopback.
pub async fn healthcheck(listen_addr: SocketAddr) -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut addr = listen_addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let ask = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream
            .write_all(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).await?;
        Ok::<_, std::io::Error>(head)
    };
    let head = tokio::time::timeout(std::time::Duration::from_secs(3), ask)
        .await
        .context("no answer within 3 s")?
        .with_context(|| format!("asking {addr}"))?;
    anyhow::ensure!(
        head.starts_with(b"HTTP/1.1 200"),
        "answered {}",
        String::from_utf8_lossy(&head)
    );
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
