//! One WebSocket session: authenticate, register, replay, then relay events.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use tokio::time::{interval_at, Instant, MissedTickBehavior};

use super::hub::{close, Registration};
use super::protocol::{ClientMessage, ServerMessage};
use crate::auth::AuthUser;
use crate::domain::ids::NotificationId;
use crate::notifications::notification_select;
use crate::notifications::NotificationRow;
use crate::state::AppState;
use crate::store::with_db;

/// Largest client message accepted; ours are tiny.
pub const MAX_CLIENT_MESSAGE: usize = 4096;
/// Most stored notifications replayed on connect; beyond, `resync`.
pub const REPLAY_LIMIT: i64 = 500;

/// Why a session ended, as a close frame (or none when the peer vanished).
type Ending = Option<(u16, &'static str)>;

pub async fn run(
    state: AppState,
    mut socket: WebSocket,
    user: Option<AuthUser>,
    since: Option<i64>,
) {
    let (user, since) = match user {
        Some(user) => (user, since),
        // Boxed, like the replay below: a task is as large as its largest
        // state, and these short-lived ones would otherwise make every idle
        // session pay for them.
        None => match Box::pin(authenticate(&state, &mut socket)).await {
            Ok(authenticated) => authenticated,
            Err(ending) => return finish(socket, ending).await,
        },
    };

    // Register before reading the store: whatever commits from now on is
    // either in the replay below or arrives through the queue.
    let mut registration = state.hub.register(user.id, user.session);
    let ending = match serve(&state, &mut socket, &mut registration, user, since).await {
        Ok(()) => None,
        Err(ending) => ending,
    };
    drop(registration);
    finish(socket, ending).await;
}

/// Waits for `{"type":"auth"}` within the configured time.
async fn authenticate(
    state: &AppState,
    socket: &mut WebSocket,
) -> Result<(AuthUser, Option<i64>), Ending> {
    let deadline = tokio::time::sleep(state.config.ws_auth_timeout);
    tokio::pin!(deadline);
    loop {
        let message = tokio::select! {
            () = &mut deadline => return Err(Some((close::UNAUTHORIZED, "authentication timed out"))),
            message = socket.recv() => message,
        };
        let text = match message {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Binary(_))) => {
                return Err(Some((1003, "binary messages are not supported")))
            }
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Err(None),
            Some(Ok(_)) => continue,
        };
        if text.len() > MAX_CLIENT_MESSAGE {
            return Err(Some((1009, "message too big")));
        }
        match serde_json::from_str::<ClientMessage>(&text) {
            Ok(ClientMessage::Auth { token, since }) => {
                return match state.tokens.verify(&token).and_then(|claims| {
                    Some(AuthUser {
                        id: claims.user_id()?,
                        session: claims.session_id(),
                    })
                }) {
                    Some(user) => Ok((user, since)),
                    None => Err(Some((close::UNAUTHORIZED, "invalid or expired token"))),
                };
            }
            Ok(ClientMessage::Ping) => send_text(socket, ServerMessage::Pong.to_json()).await?,
            Err(_) => {
                let error = ServerMessage::error(
                    "unauthenticated",
                    "the first message must be {\"type\":\"auth\",\"token\":\"…\"}",
                );
                send_text(socket, error.to_json()).await?;
            }
        }
    }
}

async fn serve(
    state: &AppState,
    socket: &mut WebSocket,
    registration: &mut Registration,
    user: AuthUser,
    since: Option<i64>,
) -> Result<(), Ending> {
    send_text(socket, ServerMessage::Ready { user_id: user.id }.to_json()).await?;
    let replayed_up_to = match since {
        Some(since) => Box::pin(replay(state, socket, user, since)).await?,
        None => None,
    };

    let period = state.config.ws_ping_interval;
    let mut pings = interval_at(Instant::now() + period, period);
    pings.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut awaiting_pong = false;

    loop {
        tokio::select! {
            code = registration.closer.closed() => {
                return Err(Some((code, close_reason(code))));
            }
            event = registration.events.recv() => {
                let Some(event) = event else {
                    return Err(Some((close::GOING_AWAY, "server shutting down")));
                };
                // Already sent by the replay.
                let notification_id = event.notification_id();
                if notification_id.is_some() && notification_id <= replayed_up_to {
                    continue;
                }
                send(socket, Message::Text(event.text().clone())).await?;
            }
            message = socket.recv() => {
                awaiting_pong = false;
                match message {
                    Some(Ok(Message::Text(text))) => answer(socket, &text).await?,
                    Some(Ok(Message::Binary(_))) => {
                        return Err(Some((1003, "binary messages are not supported")));
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Ok(()),
                }
            }
            _ = pings.tick() => {
                if awaiting_pong {
                    // The peer stopped answering: drop it without ceremony.
                    return Err(None);
                }
                awaiting_pong = true;
                send(socket, Message::Ping(Default::default())).await?;
            }
        }
    }
}

/// Sends stored notifications after `since`, in id order; returns the last
/// id covered so that live duplicates can be skipped.
async fn replay(
    state: &AppState,
    socket: &mut WebSocket,
    user: AuthUser,
    since: i64,
) -> Result<Option<NotificationId>, Ending> {
    let loaded: Result<Vec<NotificationRow>, sqlx::Error> = with_db!(&state.db, pool, {
        sqlx::query_as(concat!(
            notification_select!(),
            " WHERE n.recipient_id = $1 AND n.id > $2 ORDER BY n.id LIMIT $3"
        ))
        .bind(user.id)
        .bind(since)
        .bind(REPLAY_LIMIT + 1)
        .fetch_all(pool)
        .await
    });
    let rows = loaded.map_err(|e| {
        tracing::warn!(error = %e, "replay failed");
        Some((1011, "could not load missed notifications"))
    })?;

    if rows.len() as i64 > REPLAY_LIMIT {
        let latest: Result<Option<NotificationId>, sqlx::Error> = with_db!(&state.db, pool, {
            sqlx::query_scalar("SELECT MAX(id) FROM notifications WHERE recipient_id = $1")
                .bind(user.id)
                .fetch_one(pool)
                .await
        });
        let latest = latest.map_err(|_| Some((1011, "could not load missed notifications")))?;
        let message = ServerMessage::Resync {
            latest_notification_id: latest,
        };
        send_text(socket, message.to_json()).await?;
        return Ok(latest);
    }

    let mut last = None;
    for row in rows {
        if let Some(notification) = row.into_notification(state.urls()) {
            last = Some(notification.id);
            let message = ServerMessage::Notification {
                notification: &notification,
            };
            send_text(socket, message.to_json()).await?;
        }
    }
    Ok(last)
}

/// Answers one client message after authentication.
async fn answer(socket: &mut WebSocket, text: &str) -> Result<(), Ending> {
    if text.len() > MAX_CLIENT_MESSAGE {
        return Err(Some((1009, "message too big")));
    }
    let reply = match serde_json::from_str::<ClientMessage>(text) {
        Ok(ClientMessage::Ping) => ServerMessage::Pong,
        Ok(ClientMessage::Auth { .. }) => ServerMessage::error(
            "already_authenticated",
            "this socket is already authenticated",
        ),
        Err(e) => ServerMessage::error(
            "invalid_message",
            &format!("could not read the message: {e}"),
        ),
    };
    send_text(socket, reply.to_json()).await
}

async fn send_text(socket: &mut WebSocket, text: String) -> Result<(), Ending> {
    send(socket, Message::Text(Utf8Bytes::from(text))).await
}

async fn send(socket: &mut WebSocket, message: Message) -> Result<(), Ending> {
    // A failed write means the peer is gone: nothing left to tell it.
    socket.send(message).await.map_err(|_| None)
}

fn close_reason(code: u16) -> &'static str {
    match code {
        close::TOO_SLOW => "too slow: reconnect with since",
        close::UNAUTHORIZED => "signed out",
        close::GOING_AWAY => "server shutting down",
        _ => "closed",
    }
}

/// Sends the close frame (if any) and gives the peer a moment to answer it.
async fn finish(mut socket: WebSocket, ending: Ending) {
    if let Some((code, reason)) = ending {
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        };
        if socket.send(Message::Close(Some(frame))).await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(1), async {
                while let Some(Ok(message)) = socket.recv().await {
                    if matches!(message, Message::Close(_)) {
                        break;
                    }
                }
            })
            .await;
        }
    }
}
