//! Live events over `GET /api/ws`.
//!
//! [`Hub`] tracks every live socket; [`publish`](crate::notifications::publish)
//! and [`publish_post`] are the only ways events enter it, and both run only
//! after the write that caused the event has committed. The socket protocol
//! is in [`protocol`], one session's life in [`socket`], its ping and
//! credential deadline in [`timer`].

mod hub;
mod order;
pub mod protocol;
mod socket;
mod timer;

use axum::extract::ws::{rejection::WebSocketUpgradeRejection, Utf8Bytes, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub use hub::{close, Event, Hub, Registration};
use protocol::ServerMessage;

use crate::auth::Credentials;
use crate::config::Config;
use crate::domain::error::{ApiError, ApiResult, ErrorBody};
use crate::domain::ids::UserId;
use crate::domain::Post;
use crate::http::extract::Query;
use crate::notifications::Notification;
use crate::state::AppState;
use crate::store;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(connect))
}

impl Hub {
    /// Queues a committed notification for every live socket of `recipient`.
    pub fn send_notification(&self, recipient: UserId, notification: &Notification) {
        let event = Event::new(
            Utf8Bytes::from(ServerMessage::Notification { notification }.to_json()),
            Some(notification.seq),
        );
        self.send(recipient, &event);
    }
}

/// Sends a just-published post to every connected follower of its author.
///
/// Runs in its own task so the request that created the post does not wait.
/// One query lists the author's followers (an index-only range on
/// `follows_followers`); the registry lookups are in memory.
pub fn publish_post(state: &AppState, post: Post) {
    let state = state.clone();
    tokio::spawn(async move {
        if state.hub.connected_users() == 0 {
            return;
        }
        let author = post.author.id;
        let followers = store::follows::follower_ids(&state.db, author).await;
        let followers = match followers {
            Ok(followers) => followers,
            Err(e) => {
                tracing::warn!(error = %e, "could not list followers for a post event");
                return;
            }
        };
        let event = Event::new(
            Utf8Bytes::from(ServerMessage::Post { post: &post }.to_json()),
            None,
        );
        for follower in followers {
            state.hub.send(follower, &event);
        }
    });
}

#[derive(Deserialize, IntoParams)]
pub struct ConnectQuery {
    /// For clients that authenticate with the `Authorization` header: the
    /// last notification `seq` seen (browser clients put it in the auth message).
    since: Option<i64>,
    /// Never accepted: tokens in URLs end up in logs.
    #[param(value_type = Option<String>)]
    #[serde(alias = "access_token")]
    token: Option<serde::de::IgnoredAny>,
}

/// Opens the live event socket.
///
/// Authenticate with a first message `{"type":"auth","token":…,"since":…}`
/// (or `Authorization: Bearer` on this request, with `?since=`), where
/// `since` is the last notification `seq` the client saw. See docs/API.md for
/// the messages; `resync` tells the client to refetch
/// notifications over REST because more were missed than a reconnect
/// replays (500).
///
/// A socket lives only as long as its access token: send
/// `{"type":"auth","token":…}` with each renewed token (same user, same
/// session) on the open socket. The socket closes with 4401 when its token
/// expires without that, when a renewal token is invalid or another
/// session's, and when its session is signed out or revoked; a token of a
/// signed-out session opens no new socket (4401, or 401 in the header).
#[utoipa::path(
    get,
    path = "/api/ws",
    tag = "live",
    params(ConnectQuery),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol"),
        (status = 400, description = "A token in the URL, or not a WebSocket request", body = ErrorBody),
        (status = 401, description = "An invalid, expired or signed-out token in the Authorization header", body = ErrorBody),
        (status = 403, description = "A browser page from a foreign origin", body = ErrorBody),
    ),
)]
async fn connect(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ConnectQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    if query.token.is_some() {
        return Err(ApiError::bad_request(
            "token_in_url",
            "send the token in the first message or the Authorization header, never in the URL",
        ));
    }
    if !origin_allowed(&headers, &state.config) {
        return Err(ApiError::forbidden(
            "this origin may not open a live socket",
        ));
    }
    let credentials = Credentials::from_headers(&headers, &state.tokens, &state.revoked)?;
    let upgrade = upgrade?;
    let since = query.since;
    Ok(upgrade
        // Notification sockets carry small messages: small buffers keep an
        // idle session at a few KiB instead of tungstenite's 128 KiB default
        // (the read buffer is zero-filled, so all of it stays resident: 4 KiB
        // measured 7.5 KiB a session, 1 KiB about 4.4 KiB; README, Performance).
        .read_buffer_size(1024)
        .write_buffer_size(0)
        .max_write_buffer_size(64 * 1024)
        .max_message_size(64 * 1024)
        .max_frame_size(64 * 1024)
        .on_upgrade(move |socket| socket::run(state, socket, credentials, since)))
}

/// Browsers always send `Origin` on a WebSocket upgrade; it must be our own
/// origin or a configured one. Clients without `Origin` are not browsers.
fn origin_allowed(headers: &HeaderMap, config: &Config) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true;
    };
    let origin = origin.trim_end_matches('/');
    let own = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|host| {
            origin
                .split_once("://")
                .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host))
        });
    own || config.cors_origins.iter().any(|allowed| allowed == origin)
}
