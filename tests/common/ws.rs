//! A real WebSocket client for `GET /api/ws`.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::{Session, TestApp};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long a test waits for a message that must come.
pub const WAIT: Duration = Duration::from_secs(5);

pub fn ws_url(app: &TestApp, query: &str) -> String {
    format!("ws://{}/api/ws{query}", app.addr)
}

pub async fn open(app: &TestApp) -> Socket {
    tokio_tungstenite::connect_async(ws_url(app, ""))
        .await
        .expect("connect")
        .0
}

pub async fn send_json(socket: &mut Socket, value: Value) {
    socket
        .send(Message::text(value.to_string()))
        .await
        .expect("send");
}

/// The next JSON message, skipping protocol pings.
pub async fn next_json(socket: &mut Socket) -> Value {
    next_json_within(socket, WAIT)
        .await
        .expect("no message in time")
}

/// The next JSON message, skipping protocol pings; `None` if none comes
/// within `wait`.
pub async fn next_json_within(socket: &mut Socket, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .ok()?
            .expect("socket ended")
            .expect("socket error");
        match message {
            Message::Text(text) => return Some(serde_json::from_str(&text).expect("JSON message")),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected a text message, got {other:?}"),
        }
    }
}

/// Waits for the close frame and returns its code.
pub async fn close_code(socket: &mut Socket) -> u16 {
    close_code_within(socket, WAIT).await
}

/// Opens a socket with `Authorization: Bearer <token>` on the upgrade.
pub async fn open_with_header(
    app: &TestApp,
    token: &str,
) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let mut request = ws_url(app, "").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

/// Waits up to `within` for the close frame and returns its code.
pub async fn close_code_within(socket: &mut Socket, within: Duration) -> u16 {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("no close in time")
        {
            Some(Ok(Message::Close(Some(frame)))) => return u16::from(frame.code),
            Some(Ok(Message::Close(None))) | None => return 1005,
            Some(Ok(_)) => continue,
            Some(Err(e)) => panic!("socket error before close: {e}"),
        }
    }
}

/// Asserts nothing but pings arrives for a little while.
pub async fn assert_quiet(socket: &mut Socket) {
    let quiet = tokio::time::timeout(Duration::from_millis(300), async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => return other,
            }
        }
    })
    .await;
    assert!(quiet.is_err(), "unexpected message: {quiet:?}");
}

/// Opens a socket and authenticates it by message.
pub async fn connect(app: &TestApp, session: &Session, since: Option<i64>) -> Socket {
    let mut socket = open(app).await;
    send_json(
        &mut socket,
        json!({"type": "auth", "token": session.token, "since": since}),
    )
    .await;
    let ready = next_json(&mut socket).await;
    assert_eq!(ready, json!({"type": "ready", "user_id": session.user_id}));
    socket
}
