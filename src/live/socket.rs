//! One WebSocket session: authenticate, register, replay, then relay events.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::future::BoxFuture;
use tokio::time::{sleep, Sleep};

use super::hides;
use super::hub::{close, Event, Hub, Registration};
use super::order::{Gap, Order, Verdict};
use super::protocol::{ClientMessage, ServerMessage};
use super::revoked::RevokedSessions;
use super::timer::{Due, SocketTimer};
use crate::domain::auth::VerifyToken;
use crate::domain::auth::{AuthUser, Credentials};
use crate::domain::error::ApiError;
use crate::domain::ids::UserId;
use crate::domain::Notification;

/// Largest client message accepted; ours are tiny.
pub const MAX_CLIENT_MESSAGE: usize = 4096;
/// Most stored notifications sent in one go (on connect, or to fill a gap);
/// beyond, `resync`.
pub const REPLAY_LIMIT: i64 = 500;
/// How long a notification waits for a missing earlier one before the gap
/// is read from the store. Publishing races are over within milliseconds;
/// a `seq` missing this long is usually one that will never exist.
const HOLD_FOR: Duration = Duration::from_millis(40);

/// What a live session needs from the rest of the server.
pub struct Context {
    pub hub: Hub,
    pub revoked: RevokedSessions,
    pub verifier: Arc<dyn VerifyToken>,
    pub backlog: Arc<dyn Backlog>,
    /// How long a socket may take to authenticate.
    pub auth_timeout: Duration,
    /// How often a socket is pinged; one missed pong drops it.
    pub ping_interval: Duration,
}

/// The stored notification streams a socket starts from and fills gaps from.
pub trait Backlog: Send + Sync {
    /// The last `seq` handed out to `user` (0 before their first notification).
    fn latest_seq(&self, user: UserId) -> BoxFuture<'_, Result<i64, ApiError>>;

    /// `user`'s stored notifications with `after < seq <= up_to`, in `seq`
    /// order, at most `limit` of them.
    fn between(
        &self,
        user: UserId,
        after: i64,
        up_to: i64,
        limit: i64,
    ) -> BoxFuture<'_, Result<Vec<Notification>, ApiError>>;
}

/// Why a session ended, as a close frame (or none when the peer vanished).
type Ending = Option<(u16, &'static str)>;

/// The close reason for a token that does not (or no longer) open this socket.
const REFUSED_TOKEN: &str = "invalid, expired, signed-out or foreign token";

pub async fn run(
    ctx: Arc<Context>,
    mut socket: WebSocket,
    credentials: Option<Credentials>,
    since: Option<i64>,
) {
    let (credentials, since) = match credentials {
        Some(credentials) => (credentials, since),
        // Boxed, like the replay in `serve`: a task is as large as its largest
        // state, and these short-lived ones would otherwise make every idle
        // session pay for them.
        None => match Box::pin(authenticate(&ctx, &mut socket)).await {
            Ok(authenticated) => authenticated,
            Err(ending) => return finish(socket, ending).await,
        },
    };

    // Register before reading the store: whatever commits from now on is
    // either in the replay below or arrives through the queue.
    let user = credentials.user;
    let Ok(mut registration) = ctx.hub.register(user.id, user.session) else {
        let ending = (
            close::TOO_MANY_SESSIONS,
            "this account has too many live sessions open",
        );
        return finish(socket, Some(ending)).await;
    };
    let ending = match serve(&ctx, &mut socket, &mut registration, credentials, since).await {
        Ok(()) => None,
        Err(ending) => ending,
    };
    drop(registration);
    finish(socket, ending).await;
}

/// Waits for `{"type":"auth"}` within the configured time.
async fn authenticate(
    ctx: &Context,
    socket: &mut WebSocket,
) -> Result<(Credentials, Option<i64>), Ending> {
    let deadline = tokio::time::sleep(ctx.auth_timeout);
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
                return match ctx.verifier.verify(&token) {
                    Some(credentials) => Ok((credentials, since)),
                    None => Err(Some((close::UNAUTHORIZED, REFUSED_TOKEN))),
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
    ctx: &Context,
    socket: &mut WebSocket,
    registration: &mut Registration,
    credentials: Credentials,
    since: Option<i64>,
) -> Result<(), Ending> {
    let user = credentials.user;
    // A revocation between the token check and the registration found no
    // socket to close, but it is on the list by now.
    if ctx.revoked.is_revoked(user.session) {
        return Err(Some((close::UNAUTHORIZED, REFUSED_TOKEN)));
    }
    let delivered = Box::pin(start(ctx, socket, user.id, since)).await?;
    let mut order = Order::new(delivered);
    // Armed only while a notification is held (see `order`).
    let mut hold: Option<Pin<Box<Sleep>>> = None;

    let mut timer = SocketTimer::new(ctx.ping_interval, credentials.valid_until);
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
                match event.seq() {
                    Some(latest) if event.is_catch_up() => {
                        if let Some(gap) = order.behind(latest) {
                            settle(ctx, socket, user.id, &mut order, gap).await?;
                        }
                    }
                    Some(seq) => relay(ctx, socket, user.id, &mut order, seq, event).await?,
                    None => deliver(ctx, socket, user.id, &event).await?,
                }
                if !order.is_holding() {
                    hold = None;
                } else if hold.is_none() {
                    hold = Some(Box::pin(sleep(HOLD_FOR)));
                }
            }
            () = expiry(&mut hold) => {
                hold = None;
                if let Some(gap) = order.gap() {
                    settle(ctx, socket, user.id, &mut order, gap).await?;
                }
            }
            message = socket.recv() => {
                awaiting_pong = false;
                match message {
                    Some(Ok(Message::Text(text))) => {
                        if let Some(renewed) = answer(ctx, socket, user, &text).await? {
                            timer.renew(renewed.valid_until);
                        }
                    }
                    Some(Ok(Message::Binary(_))) => {
                        return Err(Some((1003, "binary messages are not supported")));
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Ok(()),
                }
            }
            due = timer.due() => match due {
                Due::CredentialsExpired => {
                    return Err(Some((close::UNAUTHORIZED, "the access token expired")));
                }
                Due::Ping => {
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
}

/// Sends `ready` and says where the socket's stream starts: at the latest
/// `seq`, read after the socket registered, so that whatever commits later
/// comes through the queue, and before `ready`, so that whatever commits
/// once the client holds `ready` is delivered; with `since`, after the
/// stored notifications past `since` are replayed (a `since` beyond the
/// latest counts as the latest).
async fn start(
    ctx: &Context,
    socket: &mut WebSocket,
    user: UserId,
    since: Option<i64>,
) -> Result<i64, Ending> {
    let latest = ctx.backlog.latest_seq(user).await.map_err(load_failed)?;
    send_text(socket, ServerMessage::Ready { user_id: user }.to_json()).await?;
    match since {
        Some(after) if after < latest => {
            let gap = Gap {
                after,
                up_to: latest,
            };
            catch_up(ctx, socket, user, gap).await
        }
        _ => Ok(latest),
    }
}

/// Sends a live notification in its place in the stream.
async fn relay(
    ctx: &Context,
    socket: &mut WebSocket,
    user: UserId,
    order: &mut Order<Event>,
    seq: i64,
    event: Event,
) -> Result<(), Ending> {
    match order.offer(seq, event) {
        Verdict::Stale | Verdict::Held => Ok(()),
        Verdict::Next(event) => {
            deliver(ctx, socket, user, &event).await?;
            while let Some(event) = order.next_held() {
                deliver(ctx, socket, user, &event).await?;
            }
            Ok(())
        }
        Verdict::Fetch(gap) => settle(ctx, socket, user, order, gap).await,
    }
}

/// Sends a live event, unless its user has blocked or muted its author
/// since it was published (it takes its place in the stream all the same).
/// One published longer ago than a hide is remembered means the socket
/// cannot keep up: it closes, and its client reconnects with `since`.
async fn deliver(
    ctx: &Context,
    socket: &mut WebSocket,
    user: UserId,
    event: &Event,
) -> Result<(), Ending> {
    if event.age() >= hides::REMEMBER_FOR {
        return Err(Some((close::TOO_SLOW, close_reason(close::TOO_SLOW))));
    }
    if ctx.hub.hides(user, event) {
        return Ok(());
    }
    send(socket, Message::Text(event.text().clone())).await
}

/// Sends what the store has of `gap`, in place of whatever was held of it:
/// a `seq` of the gap that is not stored by now never will be.
async fn settle(
    ctx: &Context,
    socket: &mut WebSocket,
    user: UserId,
    order: &mut Order<Event>,
    gap: Gap,
) -> Result<(), Ending> {
    // Boxed, like the start: its state is large and rarely needed.
    let up_to = Box::pin(catch_up(ctx, socket, user, gap)).await?;
    order.caught_up(up_to);
    Ok(())
}

/// Resolves when the armed hold runs out; never while none is armed.
async fn expiry(hold: &mut Option<Pin<Box<Sleep>>>) {
    match hold {
        Some(sleep) => sleep.as_mut().await,
        None => std::future::pending().await,
    }
}

/// Sends the stored notifications of `gap` in `seq` order and returns the
/// `seq` the stream then stands at: the end of the gap, or, when more are
/// stored there than a replay sends, the latest `seq` announced by `resync`.
async fn catch_up(
    ctx: &Context,
    socket: &mut WebSocket,
    user: UserId,
    gap: Gap,
) -> Result<i64, Ending> {
    let notifications = ctx
        .backlog
        .between(user, gap.after, gap.up_to, REPLAY_LIMIT + 1)
        .await
        .map_err(load_failed)?;

    if notifications.len() as i64 > REPLAY_LIMIT {
        let latest_seq = ctx.backlog.latest_seq(user).await.map_err(load_failed)?;
        send_text(socket, ServerMessage::Resync { latest_seq }.to_json()).await?;
        return Ok(latest_seq);
    }
    for notification in &notifications {
        send_text(
            socket,
            ServerMessage::Notification { notification }.to_json(),
        )
        .await?;
    }
    Ok(gap.up_to)
}

fn load_failed(e: ApiError) -> Ending {
    tracing::warn!(error = %e, "could not load missed notifications");
    Some((1011, "could not load missed notifications"))
}

/// Answers one client message after authentication; returns the fresh
/// credentials an `auth` message brought.
async fn answer(
    ctx: &Context,
    socket: &mut WebSocket,
    user: AuthUser,
    text: &str,
) -> Result<Option<Credentials>, Ending> {
    if text.len() > MAX_CLIENT_MESSAGE {
        return Err(Some((1009, "message too big")));
    }
    let reply = match serde_json::from_str::<ClientMessage>(text) {
        Ok(ClientMessage::Ping) => ServerMessage::Pong,
        Ok(ClientMessage::Auth { token, .. }) => {
            return renew(ctx, user, &token).map(Some);
        }
        Err(e) => ServerMessage::error(
            "invalid_message",
            &format!("could not read the message: {e}"),
        ),
    };
    send_text(socket, reply.to_json()).await.map(|()| None)
}

/// Checks a token sent on an open socket: it must verify and belong to the
/// socket's own user and session, or the socket closes.
fn renew(ctx: &Context, user: AuthUser, token: &str) -> Result<Credentials, Ending> {
    ctx.verifier
        .verify(token)
        .filter(|fresh| fresh.user.id == user.id && fresh.user.session == user.session)
        .ok_or(Some((close::UNAUTHORIZED, REFUSED_TOKEN)))
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
