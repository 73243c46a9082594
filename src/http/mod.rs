//! The HTTP surface: every API route, the OpenAPI document that describes
//! them, static files, and the middleware around it all.

pub mod admin;
pub mod auth;
pub mod auth_user;
pub mod blocks;
pub mod comments;
pub mod error;
pub mod extract;
pub mod feed;
pub mod follow_requests;
pub mod follows;
pub mod health;
pub mod limits;
pub mod live;
pub mod me;
pub mod metrics;
pub mod notifications;
pub mod origin;
pub mod posts;
pub mod reports;
pub mod search;
pub mod server;
pub mod state;
pub mod uploads;
pub mod users;
pub mod web;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::DefaultBodyLimit;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use tokio::sync::Semaphore;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::config::Config;
use crate::domain::error::{ErrorBody, ErrorDetail};
use crate::http::error::error_response;
use crate::http::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Shutterbug API",
        description = "Photo sharing: accounts, follows, posts, likes, comments, feed and live notifications."
    ),
    modifiers(&BearerAuth),
    components(schemas(
        ErrorBody,
        ErrorDetail,
        crate::live::protocol::ServerMessage,
        crate::live::protocol::ClientMessage
    )),
    tags(
        (name = "auth", description = "Sign-up, sign-in and sessions"),
        (name = "me", description = "The caller's own account"),
        (name = "users", description = "Profiles and the follow graph"),
        (name = "posts", description = "Photo posts and likes"),
        (name = "comments", description = "Comments on posts"),
        (name = "feed", description = "Home feed, explore and hashtag pages"),
        (name = "search", description = "People and hashtags"),
        (name = "notifications", description = "Stored notifications"),
        (name = "live", description = "The live event WebSocket"),
        (name = "health", description = "Liveness and readiness probes"),
        (name = "reports", description = "Reporting posts, comments and accounts"),
        (name = "admin", description = "Moderation: reports, suspensions, roles and the log"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The whole API, documented as it is built.
pub fn api(config: &Config) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::routes())
        .merge(me::routes(config.max_image_bytes))
        .merge(users::routes())
        .merge(follows::routes())
        .merge(blocks::routes())
        .merge(follow_requests::routes())
        .merge(posts::routes(config.max_image_bytes))
        .merge(comments::routes())
        .merge(feed::routes())
        .merge(search::routes())
        .merge(notifications::routes())
        .merge(live::routes())
        .merge(health::routes())
        .merge(reports::routes())
        .merge(admin::routes())
}

/// Assembles the complete router: API, uploads, front end and middleware.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = api(&state.config).split_for_parts();
    let openapi = Arc::new(openapi);

    let api = api
        .route(
            "/api/openapi.json",
            get(move || {
                let openapi = Arc::clone(&openapi);
                async move { axum::Json(openapi.as_ref().clone()) }
            }),
        )
        .route("/api", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found))
        .method_not_allowed_fallback(method_not_allowed)
        // API answers carry tokens, e-mail addresses or what one caller may
        // see (`liked_by_me`, the feed, notifications): no cache may keep
        // them. Media under /uploads keep their long-lived caching.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(state.clone());

    let config = &state.config;
    let in_flight = Arc::new(Semaphore::new(config.max_in_flight));
    let timeout = config.request_timeout;
    let csp = web::content_security_policy(&config.media_base_url);
    Router::new()
        .merge(api)
        .nest_service("/uploads", uploads::uploads_service(&config.upload_dir))
        .fallback_service(web::front_end(config.static_dir.as_deref(), csp.clone()))
        // JSON bodies are small; the upload routes set their own limits.
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
        // Text (JS, CSS, HTML, JSON) leaves as brotli or gzip when the client
        // takes it; the default predicate leaves images and tiny bodies alone.
        .layer(CompressionLayer::new())
        .layer(cors(&config.cors_origins))
        .layer(middleware::from_fn(move |request, next| {
            shed_load(Arc::clone(&in_flight), timeout, request, next)
        }))
        .layer(middleware::from_fn_with_state(state.clone(), log_request))
}

/// `GET /metrics` alone, for the separate listener at `METRICS_ADDR`: traffic
/// and session counts are for the operator, never for the public listener.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics::scrape))
        .with_state(state)
}

/// The largest JSON (or other non-upload) request body accepted.
pub const JSON_BODY_LIMIT: usize = 64 * 1024;

/// Bounds the requests in flight and the time each may take. Past either
/// bound the answer is a quick 503 with `Retry-After`, so an overload
/// queues nothing and cannot take the process down.
async fn shed_load(
    in_flight: Arc<Semaphore>,
    timeout: Duration,
    request: Request,
    next: Next,
) -> Response {
    let Ok(_permit) = in_flight.try_acquire() else {
        return unavailable("overloaded", "the server is busy; try again shortly");
    };
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => unavailable("timeout", "the request took too long; try again shortly"),
    }
}

fn unavailable(code: &str, message: &str) -> Response {
    let mut response = error_response(StatusCode::SERVICE_UNAVAILABLE, code, message);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

async fn api_not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, "not_found", "no such API route")
}

async fn method_not_allowed() -> Response {
    error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not accept that method",
    )
}

/// CORS for the configured origins only; none means same-origin only.
fn cors(origins: &[String]) -> CorsLayer {
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            axum::http::header::AUTHORIZATION,
            axum::http::header::CONTENT_TYPE,
        ])
        .allow_credentials(true)
        .max_age(Duration::from_secs(3600))
}

/// One line per request: method, matched route, status and latency, also
/// counted for `/metrics`. Headers (and so tokens) are never logged.
async fn log_request(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(unmatched)".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let latency = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.record(&route, status, latency);
    tracing::info!(
        target: "shutterbug::http",
        %method,
        %route,
        status,
        latency_ms = format!("{:.2}", latency.as_secs_f64() * 1000.0),
        "request"
    );
    response
}

impl IntoResponse for ErrorBody {
    fn into_response(self) -> Response {
        axum::Json(self).into_response()
    }
}
