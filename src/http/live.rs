//! `GET /api/ws`: the upgrade to a live event socket (the session itself
//! lives in `live`).

use std::sync::Arc;

use axum::extract::ws::{rejection::WebSocketUpgradeRejection, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::error::{ApiError, ApiResult, ErrorBody};
use crate::http::auth_user::bearer;
use crate::http::extract::Query;
use crate::http::origin;
use crate::http::state::AppState;
use crate::live;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(connect))
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
    if !origin::allowed(&headers, &state.config) {
        return Err(ApiError::forbidden(
            "this origin may not open a live socket",
        ));
    }
    let credentials = bearer(&headers, &state.verifier)?;
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
        .on_upgrade(move |socket| {
            live::run(Arc::clone(&state.sockets), socket, credentials, since)
        }))
}
