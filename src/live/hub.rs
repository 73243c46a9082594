//! The registry of live sessions and the fan-out of events to them.
//!
//! A `DashMap` from user id to that user's live sockets (phone, laptop,
//! tabs). Each socket has a bounded queue; an event is serialised once and
//! the same bytes are queued for every recipient. A socket whose queue is
//! full is closed with 4008 rather than allowed to grow memory or slow the
//! others: its client reconnects with `since` and loses nothing. No lock is
//! ever held across an `.await`: every map access here is synchronous.

use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::Utf8Bytes;
use dashmap::DashMap;
use tokio::sync::{mpsc, Notify};

use super::hides::{Hide, RecentHides, Sighting};
use crate::domain::ids::{SessionId, UserId};

/// Close codes the hub uses (the 4000s are ours; docs/API.md lists them all).
pub mod close {
    pub const GOING_AWAY: u16 = 1001;
    pub const UNAUTHORIZED: u16 = 4401;
    pub const TOO_SLOW: u16 = 4008;
    /// The account already holds as many live sockets as it may.
    pub const TOO_MANY_SESSIONS: u16 = 4429;
}

/// One serialised event, shared by every recipient. A single pointer: each
/// socket's queue holds its slots from the start, so a small slot keeps an
/// idle session small (48-byte slots cost about 1.5 KiB a socket).
#[derive(Clone, Debug)]
pub struct Event(Arc<EventBody>);

#[derive(Debug)]
struct EventBody {
    text: Utf8Bytes,
    seq: Option<i64>,
    /// The account whose act this shows, and when it was published here:
    /// a block or mute of that account since then keeps it from being sent.
    from: Option<(UserId, Instant)>,
    /// Not sent: tells the socket that `seq` is its user's latest, so that
    /// it reads whatever it has not sent yet from the store.
    catch_up: bool,
}

impl Event {
    /// A committed notification: `seq` is its place in its recipient's
    /// stream (a socket delivers those in `seq` order), `actor` who did it.
    pub fn notification(text: Utf8Bytes, seq: i64, actor: UserId) -> Self {
        Self::shown(text, Some(seq), actor)
    }

    /// A committed post by `author`.
    pub fn post(text: Utf8Bytes, author: UserId) -> Self {
        Self::shown(text, None, author)
    }

    fn shown(text: Utf8Bytes, seq: Option<i64>, from: UserId) -> Self {
        Self(Arc::new(EventBody {
            text,
            seq,
            from: Some((from, Instant::now())),
            catch_up: false,
        }))
    }

    /// "Your stream stands at `latest_seq`": sockets behind it catch up from
    /// the store (after live events may have been lost, e.g. by a broker).
    pub fn catch_up(latest_seq: i64) -> Self {
        Self(Arc::new(EventBody {
            text: Utf8Bytes::default(),
            seq: Some(latest_seq),
            from: None,
            catch_up: true,
        }))
    }

    pub fn is_catch_up(&self) -> bool {
        self.0.catch_up
    }

    pub fn text(&self) -> &Utf8Bytes {
        &self.0.text
    }

    pub fn seq(&self) -> Option<i64> {
        self.0.seq
    }

    /// Who the event shows and when it was published, for [`Hub::hides`].
    fn sighting(&self) -> Option<Sighting> {
        self.0.from.map(|(from, published)| Sighting {
            from,
            published,
            is_notification: self.0.seq.is_some(),
        })
    }

    /// How long ago it was published (zero for what is not published).
    pub fn age(&self) -> Duration {
        self.0
            .from
            .map_or(Duration::ZERO, |(_, published)| published.elapsed())
    }
}

/// The hub's handle on one live socket.
struct LiveSocket {
    id: u64,
    session: SessionId,
    queue: mpsc::Sender<Event>,
    closer: Arc<Closer>,
}

/// Tells a socket's task to close with a code; the first code wins.
#[derive(Default)]
pub struct Closer {
    code: AtomicU16,
    notify: Notify,
}

impl Closer {
    pub fn close(&self, code: u16) {
        if self
            .code
            .compare_exchange(0, code, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            self.notify.notify_one();
        }
    }

    /// Resolves with the close code once somebody asked to close.
    pub async fn closed(&self) -> u16 {
        loop {
            let code = self.code.load(Ordering::Acquire);
            if code != 0 {
                return code;
            }
            self.notify.notified().await;
        }
    }
}

#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    queue_capacity: usize,
    max_per_user: usize,
    users: DashMap<UserId, Vec<LiveSocket>>,
    hides: RecentHides,
    next_id: AtomicU64,
    sessions: AtomicU64,
    events_sent: AtomicU64,
    events_dropped: AtomicU64,
    shutting_down: std::sync::atomic::AtomicBool,
}

/// The account already holds `max_per_user` live sockets.
#[derive(Debug)]
pub struct TooManySessions;

/// A registered socket. Dropping it (the socket's task ended, for whatever
/// reason) removes the socket from the hub, and the user when it was their last.
pub struct Registration {
    hub: Hub,
    user: UserId,
    id: u64,
    pub events: mpsc::Receiver<Event>,
    pub closer: Arc<Closer>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let id = self.id;
        let removed = match self.hub.inner.users.get_mut(&self.user) {
            Some(mut sockets) => {
                let before = sockets.len();
                sockets.retain(|socket| socket.id != id);
                before != sockets.len()
            }
            None => false,
        };
        // Separate step: the entry guard above is released before this.
        self.hub
            .inner
            .users
            .remove_if(&self.user, |_, sockets| sockets.is_empty());
        if removed {
            self.hub.inner.sessions.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl Hub {
    /// `queue_capacity`: how many events may wait for one socket before it
    /// counts as too slow; `max_per_user`: how many sockets one account may
    /// hold at once.
    pub fn new(queue_capacity: usize, max_per_user: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                queue_capacity: queue_capacity.max(1),
                max_per_user: max_per_user.max(1),
                users: DashMap::new(),
                hides: RecentHides::default(),
                next_id: AtomicU64::new(0),
                sessions: AtomicU64::new(0),
                events_sent: AtomicU64::new(0),
                events_dropped: AtomicU64::new(0),
                shutting_down: std::sync::atomic::AtomicBool::new(false),
            }),
        }
    }

    /// Adds a socket for `user`'s `session`, unless the account already
    /// holds as many as it may. Done before the replay of stored
    /// notifications starts, so nothing committed afterwards can be missed.
    pub fn register(
        &self,
        user: UserId,
        session: SessionId,
    ) -> Result<Registration, TooManySessions> {
        let (queue, events) = mpsc::channel(self.inner.queue_capacity);
        let closer = Arc::new(Closer::default());
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        {
            // Counted and added under the entry's lock, so racing
            // connections cannot both take the last place.
            let mut sockets = self.inner.users.entry(user).or_default();
            if sockets.len() >= self.inner.max_per_user {
                return Err(TooManySessions);
            }
            sockets.push(LiveSocket {
                id,
                session,
                queue,
                closer: Arc::clone(&closer),
            });
        }
        self.inner.sessions.fetch_add(1, Ordering::Relaxed);
        if self.inner.shutting_down.load(Ordering::Acquire) {
            closer.close(close::GOING_AWAY);
        }
        Ok(Registration {
            hub: self.clone(),
            user,
            id,
            events,
            closer,
        })
    }

    /// Queues `event` for every live socket of `user`.
    pub fn send(&self, user: UserId, event: &Event) {
        let Some(sockets) = self.inner.users.get(&user) else {
            return;
        };
        for socket in sockets.iter() {
            match socket.queue.try_send(event.clone()) {
                Ok(()) => {
                    self.inner.events_sent.fetch_add(1, Ordering::Relaxed);
                }
                Err(mpsc::error::TrySendError::Full(_)) => {
                    self.inner.events_dropped.fetch_add(1, Ordering::Relaxed);
                    socket.closer.close(close::TOO_SLOW);
                }
                // The socket is already going away.
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
    }

    /// From now on `viewer`'s sockets send nothing of this kind from `of`,
    /// even what was queued before (see [`super::hides`]).
    pub fn hide(&self, viewer: UserId, of: UserId, hide: Hide) {
        self.inner.hides.record(viewer, of, hide);
    }

    /// Whether `viewer` blocked or muted the author of `event` since it was
    /// published, so that it must not be sent.
    pub fn hides(&self, viewer: UserId, event: &Event) -> bool {
        event
            .sighting()
            .is_some_and(|sighting| self.inner.hides.hides(viewer, sighting))
    }

    /// Whether `user` has at least one live socket.
    pub fn is_connected(&self, user: UserId) -> bool {
        self.inner.users.contains_key(&user)
    }

    /// Closes the sockets of one signed-in session (logout, revocation).
    pub fn close_session(&self, user: UserId, session: SessionId, code: u16) {
        if let Some(sockets) = self.inner.users.get(&user) {
            sockets
                .iter()
                .filter(|socket| socket.session == session)
                .for_each(|socket| socket.closer.close(code));
        }
    }

    /// Closes every socket (server shutdown); later registrations close at once.
    pub fn close_all(&self, code: u16) {
        self.inner.shutting_down.store(true, Ordering::Release);
        for entry in self.inner.users.iter() {
            entry
                .value()
                .iter()
                .for_each(|socket| socket.closer.close(code));
        }
    }

    /// The users with at least one live socket, at this moment.
    pub fn connected_user_ids(&self) -> Vec<UserId> {
        self.inner.users.iter().map(|entry| *entry.key()).collect()
    }

    /// Users with at least one live socket.
    pub fn connected_users(&self) -> usize {
        self.inner.users.len()
    }

    /// Live sockets, all users together.
    pub fn live_sessions(&self) -> u64 {
        self.inner.sessions.load(Ordering::Relaxed)
    }

    /// Events queued and events dropped (their socket was too slow) so far.
    pub fn event_counts(&self) -> (u64, u64) {
        (
            self.inner.events_sent.load(Ordering::Relaxed),
            self.inner.events_dropped.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(text: &'static str) -> Event {
        Event::post(Utf8Bytes::from_static(text), UserId(9))
    }

    const QUEUE_CAPACITY: usize = 8;
    const MAX_PER_USER: usize = 3;

    #[test]
    fn every_socket_of_the_user_gets_the_event_and_no_one_else() {
        let hub = Hub::new(QUEUE_CAPACITY, MAX_PER_USER);
        let mut phone = hub.register(UserId(1), SessionId(1)).unwrap();
        let mut laptop = hub.register(UserId(1), SessionId(2)).unwrap();
        let mut other = hub.register(UserId(2), SessionId(3)).unwrap();
        hub.send(UserId(1), &event("hello"));
        assert_eq!(phone.events.try_recv().unwrap().text().as_str(), "hello");
        assert_eq!(laptop.events.try_recv().unwrap().text().as_str(), "hello");
        assert!(other.events.try_recv().is_err());
    }

    #[test]
    fn registry_is_empty_after_many_connects_and_disconnects() {
        let hub = Hub::new(QUEUE_CAPACITY, MAX_PER_USER);
        for i in 0..10_000 {
            let a = hub.register(UserId(i % 7), SessionId(i)).unwrap();
            let b = hub.register(UserId(i % 7), SessionId(i)).unwrap();
            drop(a);
            hub.send(UserId(i % 7), &event("x"));
            drop(b);
        }
        assert_eq!(hub.connected_users(), 0);
        assert_eq!(hub.live_sessions(), 0);
    }

    #[test]
    fn an_account_holds_at_most_its_share_of_sockets() {
        let hub = Hub::new(QUEUE_CAPACITY, MAX_PER_USER);
        let held: Vec<_> = (0..MAX_PER_USER)
            .map(|i| hub.register(UserId(1), SessionId(i as i64)).unwrap())
            .collect();
        assert!(hub.register(UserId(1), SessionId(9)).is_err());
        assert!(
            hub.register(UserId(2), SessionId(9)).is_ok(),
            "others are unaffected"
        );
        drop(held);
        assert!(
            hub.register(UserId(1), SessionId(9)).is_ok(),
            "a freed place is taken again"
        );
    }

    #[tokio::test]
    async fn a_full_queue_closes_the_socket_with_4008() {
        let hub = Hub::new(QUEUE_CAPACITY, MAX_PER_USER);
        let slow = hub.register(UserId(1), SessionId(1)).unwrap();
        for _ in 0..=QUEUE_CAPACITY {
            hub.send(UserId(1), &event("x"));
        }
        assert_eq!(slow.closer.closed().await, close::TOO_SLOW);
        assert_eq!(hub.event_counts(), (QUEUE_CAPACITY as u64, 1));
    }

    #[test]
    fn a_hide_keeps_what_was_queued_before_it_from_being_sent() {
        let (ana, bob) = (UserId(1), UserId(2));
        let hub = Hub::new(QUEUE_CAPACITY, MAX_PER_USER);
        let mut socket = hub.register(ana, SessionId(1)).unwrap();
        hub.send(
            ana,
            &Event::notification(Utf8Bytes::from_static("like"), 1, bob),
        );
        hub.send(ana, &Event::post(Utf8Bytes::from_static("post"), bob));
        hub.hide(ana, bob, Hide::PostsAndNotifications);
        std::thread::sleep(Duration::from_millis(1));
        let later = Event::notification(Utf8Bytes::from_static("like"), 2, bob);

        for queued in [socket.events.try_recv(), socket.events.try_recv()] {
            assert!(hub.hides(ana, &queued.unwrap()), "queued before the block");
        }
        assert!(!hub.hides(ana, &later), "published after it");
        assert!(!hub.hides(bob, &later), "only its viewer's");
    }

    #[tokio::test]
    async fn closing_a_session_leaves_the_others_open() {
        let hub = Hub::new(QUEUE_CAPACITY, MAX_PER_USER);
        let signed_out = hub.register(UserId(1), SessionId(1)).unwrap();
        let other = hub.register(UserId(1), SessionId(2)).unwrap();
        hub.close_session(UserId(1), SessionId(1), close::UNAUTHORIZED);
        assert_eq!(signed_out.closer.closed().await, close::UNAUTHORIZED);
        assert_eq!(other.closer.code.load(Ordering::Acquire), 0);
    }
}
