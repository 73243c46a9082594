//! Blocks and mutes that commit while events are on their way.
//!
//! A notification is drawn, and a post fanned out, only to those allowed to
//! see it when it commits; reads apply the rule when they run. What is left
//! is an event already queued for a socket when its user blocks (or is
//! blocked by, or mutes) the event's author. So each socket asks, just
//! before sending, whether its user hid the author since the event was
//! published, and drops the event if so.
//!
//! Only recent hides can matter: a socket still sending an event older than
//! [`REMEMBER_FOR`] cannot keep up, and is closed to reconnect with `since`
//! (the replay reads the store, which applies the rule). So a hide is
//! remembered that long, then forgotten.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use serde::{Deserialize, Serialize};

use crate::domain::ids::UserId;

/// How long a hide is remembered, and so the oldest event a socket sends.
pub const REMEMBER_FOR: Duration = Duration::from_secs(60);
/// Every this many hides, the ones older than [`REMEMBER_FOR`] are swept.
const SWEEP_EVERY: u64 = 256;

/// What a block or mute takes out of a user's live events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hide {
    /// Posts only: a mute.
    Posts,
    /// Posts and notifications: a block (either way) or a mute of
    /// notifications too.
    PostsAndNotifications,
}

/// An event as the check sees it: who it shows, and when it was published.
#[derive(Clone, Copy, Debug)]
pub struct Sighting {
    pub from: UserId,
    pub published: Instant,
    pub is_notification: bool,
}

/// Hides of the last [`REMEMBER_FOR`], by the user they hide things from.
#[derive(Default)]
pub struct RecentHides {
    by_viewer: DashMap<UserId, Vec<(UserId, Hide, Instant)>>,
    recorded: AtomicU64,
}

impl RecentHides {
    /// From now on, `viewer` is not to get events from `of` of this kind.
    pub fn record(&self, viewer: UserId, of: UserId, hide: Hide) {
        let now = Instant::now();
        self.by_viewer
            .entry(viewer)
            .or_default()
            .push((of, hide, now));
        if self.recorded.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep(now);
        }
    }

    /// Forgets the hides older than [`REMEMBER_FOR`] at `now`.
    fn sweep(&self, now: Instant) {
        self.by_viewer.retain(|_, hides| {
            hides.retain(|&(_, _, at)| now.saturating_duration_since(at) < REMEMBER_FOR);
            !hides.is_empty()
        });
    }

    /// Whether `viewer` hid the event's author after it was published.
    pub fn hides(&self, viewer: UserId, event: Sighting) -> bool {
        let Some(hides) = self.by_viewer.get(&viewer) else {
            return false;
        };
        hides.iter().any(|&(of, hide, at)| {
            of == event.from
                && at >= event.published
                && (hide == Hide::PostsAndNotifications || !event.is_notification)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANA: UserId = UserId(1);
    const BOB: UserId = UserId(2);
    const CAT: UserId = UserId(3);

    fn sighting(from: UserId, published: Instant, is_notification: bool) -> Sighting {
        Sighting {
            from,
            published,
            is_notification,
        }
    }

    #[test]
    fn a_hide_drops_what_was_published_before_it_and_nothing_after() {
        let hides = RecentHides::default();
        let before = Instant::now();
        hides.record(ANA, BOB, Hide::PostsAndNotifications);
        let after = Instant::now() + Duration::from_millis(1);
        // (viewer, author, published, is a notification) → dropped?
        let cases = [
            (ANA, BOB, before, true, true),
            (ANA, BOB, before, false, true),
            (ANA, BOB, after, true, false),
            (ANA, CAT, before, true, false),
            (BOB, ANA, before, true, false),
        ];
        for (viewer, from, published, is_notification, dropped) in cases {
            assert_eq!(
                hides.hides(viewer, sighting(from, published, is_notification)),
                dropped,
                "{viewer:?} ← {from:?}, notification: {is_notification}"
            );
        }
    }

    #[test]
    fn a_mute_of_posts_lets_notifications_through() {
        let hides = RecentHides::default();
        let before = Instant::now();
        hides.record(ANA, BOB, Hide::Posts);
        assert!(hides.hides(ANA, sighting(BOB, before, false)));
        assert!(!hides.hides(ANA, sighting(BOB, before, true)));
    }

    #[test]
    fn hides_are_forgotten_once_no_queued_event_can_be_older() {
        let hides = RecentHides::default();
        hides.record(CAT, BOB, Hide::Posts);
        hides.sweep(Instant::now() + REMEMBER_FOR / 2);
        assert_eq!(hides.by_viewer.len(), 1, "still remembered");
        hides.sweep(Instant::now() + REMEMBER_FOR);
        assert!(hides.by_viewer.is_empty(), "forgotten");
    }
}
