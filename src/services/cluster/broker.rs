//! Live events across instances, over Redis pub/sub (`REDIS_URL`).
//!
//! Every instance delivers to its own sockets first, exactly as a single
//! process does ([`InProcess`]), then publishes one message on the shared
//! channel; every other instance delivers it to the sockets it holds.
//! One channel for all events: a post is one message whatever the number of
//! followers, and each instance resolves its own connected followers with
//! one index-only query (see the README for the figures). Pub/sub is
//! at-most-once; the per-recipient `seq` does the rest: a socket drops a
//! notification it already sent and reads gaps from the database, and after
//! the subscription drops and comes back, every connected user is caught up
//! from the database by `seq`, and the sessions revoked meanwhile are read
//! back and their sockets closed. Redis down degrades: same-instance delivery
//! goes on, publishes fail quietly, `/api/ready` says `degraded`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};

use super::{Redis, MAX_BACKOFF};

use crate::domain::ids::{SessionId, UserId};
use crate::domain::{Notification, Post, Timestamp};
use crate::live::hides::Hide;
use crate::live::protocol::ServerMessage;
use crate::live::{close, Broker, Event, Hub, InProcess, RevokedSessions};
use crate::store::{self, Db};

/// Connected users whose latest `seq` one catch-up query reads.
const CATCH_UP_BATCH: usize = 1000;
/// Attempts to publish one notification or revocation: about 20 s in all.
const PUBLISH_ATTEMPTS: u32 = 14;
/// How long before its subscription dropped an instance reads revocations
/// again when it resubscribes: instances' clocks differ a little, and a
/// message published just before the drop may never have arrived.
const REVOCATION_MARGIN: Duration = Duration::from_secs(10);

/// One event on the wire between instances.
#[derive(Serialize, Deserialize)]
struct Envelope {
    /// The instance that published it, which has delivered it already.
    from: u64,
    #[serde(flatten)]
    event: Wire,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Wire {
    Notification {
        recipient: UserId,
        seq: i64,
        actor: UserId,
        text: String,
    },
    Post {
        author: UserId,
        text: String,
    },
    Revoked {
        user: UserId,
        session: SessionId,
    },
    Hidden {
        viewer: UserId,
        of: UserId,
        hide: Hide,
    },
}

/// Whether the subscription is up, for `/api/ready`.
#[derive(Clone, Default)]
pub struct RedisHealth(Arc<AtomicBool>);

impl RedisHealth {
    pub fn is_up(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    fn set(&self, up: bool) {
        self.0.store(up, Ordering::Relaxed);
    }
}

/// A [`Broker`] for several instances sharing one Redis.
pub struct RedisBroker {
    local: InProcess,
    publisher: ConnectionManager,
    channel: String,
    instance: u64,
}

impl RedisBroker {
    /// Publishes on the shared connection and starts the subscriber, which
    /// retries and resubscribes on its own.
    pub fn start(
        redis: &Redis,
        db: Db,
        hub: Hub,
        revoked: RevokedSessions,
        health: RedisHealth,
    ) -> Self {
        let channel = redis.key("events");
        let instance = rand::random::<u64>();
        let subscriber = Subscriber {
            redis: redis.clone(),
            channel: channel.clone(),
            instance,
            db,
            hub: hub.clone(),
            revoked: revoked.clone(),
            health,
        };
        tokio::spawn(subscriber.run());
        Self {
            local: InProcess::new(hub, revoked),
            publisher: redis.connection(),
            channel,
            instance,
        }
    }

    /// Publishes from a task of its own: the request that caused the event
    /// does not wait for Redis, and a Redis outage costs it nothing. A
    /// notification or a revocation that cannot be published is tried again
    /// for a while (both are idempotent: sockets drop a `seq` they sent); a
    /// post event is not (it is not stored either, and the feed has it).
    fn publish(&self, event: Wire) {
        let retry = !matches!(event, Wire::Post { .. });
        let envelope = Envelope {
            from: self.instance,
            event,
        };
        let Ok(payload) = serde_json::to_string(&envelope) else {
            return;
        };
        let mut publisher = self.publisher.clone();
        let channel = self.channel.clone();
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(50);
            for _ in 0..PUBLISH_ATTEMPTS {
                let published: redis::RedisResult<i64> = redis::cmd("PUBLISH")
                    .arg(&channel)
                    .arg(&payload)
                    .query_async(&mut publisher)
                    .await;
                match published {
                    Ok(_) => return,
                    Err(e) if retry => {
                        tracing::debug!(error = %e, "cannot publish a live event to Redis; retrying");
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, "cannot publish a post event to Redis");
                        return;
                    }
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            tracing::warn!("gave up publishing a live event; receivers catch up from the database");
        });
    }
}

impl Broker for RedisBroker {
    fn notification(&self, recipient: UserId, notification: &Notification) {
        self.local.notification(recipient, notification);
        self.publish(Wire::Notification {
            recipient,
            seq: notification.seq,
            actor: notification.actor.id,
            text: ServerMessage::Notification { notification }.to_json(),
        });
    }

    fn post(&self, followers: &[UserId], post: &Post) {
        self.local.post(followers, post);
        self.publish(Wire::Post {
            author: post.author.id,
            text: ServerMessage::Post { post }.to_json(),
        });
    }

    /// Another instance may hold followers, so a post is always announced.
    fn has_listeners(&self) -> bool {
        true
    }

    fn session_revoked(&self, user: UserId, session: SessionId) {
        self.local.session_revoked(user, session);
        self.publish(Wire::Revoked { user, session });
    }

    fn hidden(&self, viewer: UserId, of: UserId, hide: Hide) {
        self.local.hidden(viewer, of, hide);
        self.publish(Wire::Hidden { viewer, of, hide });
    }
}

/// Receives the other instances' events for this instance's sockets.
struct Subscriber {
    redis: Redis,
    channel: String,
    instance: u64,
    db: Db,
    hub: Hub,
    revoked: RevokedSessions,
    health: RedisHealth,
}

impl Subscriber {
    async fn run(self) {
        let mut backoff = Duration::from_millis(50);
        // The revocations before this were read at start-up.
        let mut unsubscribed_since = Timestamp::now();
        loop {
            match self.redis.subscribe(&self.channel).await {
                Ok(mut pubsub) => {
                    backoff = Duration::from_millis(50);
                    self.health.set(true);
                    // Whatever was published while unsubscribed is lost to
                    // pub/sub; the database has it.
                    tokio::spawn(replay_revocations(
                        self.db.clone(),
                        self.hub.clone(),
                        self.revoked.clone(),
                        before(unsubscribed_since, REVOCATION_MARGIN),
                    ));
                    self.catch_up().await;
                    let mut messages = pubsub.on_message();
                    while let Some(message) = messages.next().await {
                        match message.get_payload::<String>() {
                            Ok(payload) => self.deliver(&payload),
                            Err(e) => tracing::warn!(error = %e, "unreadable Redis message"),
                        }
                    }
                    self.health.set(false);
                    unsubscribed_since = Timestamp::now();
                    tracing::warn!("the Redis subscription dropped; resubscribing");
                }
                Err(e) => {
                    self.health.set(false);
                    tracing::debug!(error = %e, "cannot subscribe to Redis");
                }
            }
            if self.db.is_closed() {
                return;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    fn deliver(&self, payload: &str) {
        let envelope: Envelope = match serde_json::from_str(payload) {
            Ok(envelope) => envelope,
            Err(e) => {
                tracing::warn!(error = %e, "unreadable live event from Redis");
                return;
            }
        };
        if envelope.from == self.instance {
            return;
        }
        match envelope.event {
            Wire::Notification {
                recipient,
                seq,
                actor,
                text,
            } => {
                if self.hub.is_connected(recipient) {
                    let event = Event::notification(text.into(), seq, actor);
                    self.hub.send(recipient, &event);
                }
            }
            Wire::Post { author, text } => {
                if self.hub.connected_users() == 0 {
                    return;
                }
                let (db, hub) = (self.db.clone(), self.hub.clone());
                tokio::spawn(async move {
                    match store::follows::follower_ids(&db, author).await {
                        Ok(followers) => {
                            let event = Event::post(text.into(), author);
                            for follower in followers {
                                hub.send(follower, &event);
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot list followers for a post event")
                        }
                    }
                });
            }
            Wire::Revoked { user, session } => {
                self.revoked.revoke(session);
                self.hub.close_session(user, session, close::UNAUTHORIZED);
            }
            Wire::Hidden { viewer, of, hide } => self.hub.hide(viewer, of, hide),
        }
    }

    /// Tells each connected user's sockets the latest `seq` in the
    /// database, in batches; a socket behind it reads the gap itself.
    async fn catch_up(&self) {
        let users = self.hub.connected_user_ids();
        for batch in users.chunks(CATCH_UP_BATCH) {
            match store::notifications::latest_seqs(&self.db, batch).await {
                Ok(latest) => {
                    for (user, seq) in latest {
                        self.hub.send(user, &Event::catch_up(seq));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot catch connected users up"),
            }
        }
    }
}

/// Remembers the sessions revoked after `since` and closes their sockets
/// here, as their `Revoked` messages would have: after a subscription gap,
/// a revocation whose publishing was given up (Redis away longer than the
/// publisher retries) is in the database only. Revoking again is harmless.
/// Retried until the database answers.
async fn replay_revocations(db: Db, hub: Hub, revoked: RevokedSessions, since: Timestamp) {
    let mut backoff = Duration::from_millis(50);
    loop {
        match store::sessions::revoked_since(&db, since).await {
            Ok(sessions) => {
                revoked.restore(sessions.iter().map(|&(_, session, at)| (session, at)));
                for (user, session, _) in sessions {
                    hub.close_session(user, session, close::UNAUTHORIZED);
                }
                return;
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the sessions revoked meanwhile"),
        }
        if db.is_closed() {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// `at` less `margin`.
fn before(at: Timestamp, margin: Duration) -> Timestamp {
    let margin = chrono::Duration::from_std(margin).unwrap_or(chrono::Duration::zero());
    at.as_datetime()
        .checked_sub_signed(margin)
        .map_or(Timestamp::START, Timestamp::from_datetime)
}
