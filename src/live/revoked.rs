//! Sessions signed out or revoked recently enough that one of their access
//! tokens could still verify.
//!
//! Access tokens are stateless, so without this list a token would outlive
//! its session until it expired. Asking the database on every request would
//! cost a round trip; this costs a hash lookup. A session needs remembering
//! only while a token issued before its revocation can still be accepted
//! (`TokenKeys::accepted_for`), so entries
//! expire then, and expired ones are swept whenever a revocation is recorded.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use dashmap::DashMap;

use crate::domain::ids::SessionId;
use crate::domain::Timestamp;

/// Cheap to clone: one `Arc` around the list.
#[derive(Clone)]
pub struct RevokedSessions {
    inner: Arc<Inner>,
}

struct Inner {
    window: Duration,
    /// Until when each session is remembered.
    until: DashMap<SessionId, Instant>,
    /// The same entries in the order they expire, so a sweep stops at the
    /// first live one.
    order: Mutex<VecDeque<(Instant, SessionId)>>,
}

impl RevokedSessions {
    /// `window`: how long after its revocation a session is remembered.
    pub fn new(window: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                window,
                until: DashMap::new(),
                order: Mutex::new(VecDeque::new()),
            }),
        }
    }

    /// Remembers `session` as revoked from now on.
    pub fn revoke(&self, session: SessionId) {
        self.revoke_at(session, Instant::now());
    }

    pub fn is_revoked(&self, session: SessionId) -> bool {
        self.is_revoked_at(session, Instant::now())
    }

    /// Remembers sessions revoked before start-up (by this process's previous
    /// life or by another instance), each for what is left of its window.
    pub fn restore(&self, revoked: impl IntoIterator<Item = (SessionId, Timestamp)>) {
        let now = Instant::now();
        let wall_now = Timestamp::now().as_datetime();
        for (session, revoked_at) in revoked {
            let age = (wall_now - revoked_at.as_datetime())
                .to_std()
                .unwrap_or_default();
            if let Some(left) = self.inner.window.checked_sub(age) {
                self.remember(session, now + left, now);
            }
        }
    }

    /// Sessions remembered, expired ones not yet swept included.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner.until.len()
    }

    fn revoke_at(&self, session: SessionId, now: Instant) {
        self.remember(session, now + self.inner.window, now);
    }

    fn is_revoked_at(&self, session: SessionId, now: Instant) -> bool {
        self.inner
            .until
            .get(&session)
            .is_some_and(|until| *until > now)
    }

    fn remember(&self, session: SessionId, until: Instant, now: Instant) {
        // Nothing panics while the lock is held, so a poisoned one is intact.
        let mut order = self
            .inner
            .order
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while let Some(&(expiry, expired)) = order.front() {
            if expiry > now {
                break;
            }
            order.pop_front();
            // Revoked twice: the later entry keeps it.
            self.inner
                .until
                .remove_if(&expired, |_, until| *until <= now);
        }
        self.inner
            .until
            .entry(session)
            .and_modify(|known| *known = (*known).max(until))
            .or_insert(until);
        order.push_back((until, session));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(60);

    #[test]
    fn a_revoked_session_is_remembered_for_its_window_only() {
        let revoked = RevokedSessions::new(WINDOW);
        let start = Instant::now();
        revoked.revoke_at(SessionId(1), start);
        assert!(revoked.is_revoked_at(SessionId(1), start));
        assert!(revoked.is_revoked_at(SessionId(1), start + WINDOW - Duration::from_millis(1)));
        assert!(!revoked.is_revoked_at(SessionId(1), start + WINDOW));
        assert!(!revoked.is_revoked_at(SessionId(2), start));
    }

    #[test]
    fn expired_entries_are_swept_when_another_is_recorded() {
        let revoked = RevokedSessions::new(WINDOW);
        let start = Instant::now();
        for id in 0..100 {
            revoked.revoke_at(SessionId(id), start);
        }
        revoked.revoke_at(SessionId(100), start + WINDOW / 2);
        assert_eq!(revoked.len(), 101);
        revoked.revoke_at(SessionId(101), start + WINDOW);
        assert_eq!(revoked.len(), 2, "only the two recent ones are left");
        assert!(revoked.is_revoked_at(SessionId(100), start + WINDOW));
        assert!(revoked.is_revoked_at(SessionId(101), start + WINDOW));
    }

    #[test]
    fn revoking_again_keeps_the_later_expiry() {
        let revoked = RevokedSessions::new(WINDOW);
        let start = Instant::now();
        revoked.revoke_at(SessionId(1), start);
        revoked.revoke_at(SessionId(1), start + WINDOW / 2);
        // The sweep drops the first entry, not the session.
        revoked.revoke_at(SessionId(2), start + WINDOW);
        assert!(revoked.is_revoked_at(SessionId(1), start + WINDOW));
        assert!(!revoked.is_revoked_at(SessionId(1), start + WINDOW + WINDOW / 2));
    }

    #[test]
    fn restored_sessions_keep_what_is_left_of_their_window() {
        let revoked = RevokedSessions::new(WINDOW);
        let ago = |seconds: i64| {
            Timestamp::from_datetime(
                Timestamp::now().as_datetime() - chrono::Duration::seconds(seconds),
            )
        };
        revoked.restore([(SessionId(1), ago(10)), (SessionId(2), ago(120))]);
        let now = Instant::now();
        assert!(revoked.is_revoked_at(SessionId(1), now));
        assert!(!revoked.is_revoked_at(SessionId(1), now + Duration::from_secs(51)));
        assert!(!revoked.is_revoked_at(SessionId(2), now), "past its window");
        assert_eq!(revoked.len(), 1);
    }
}
