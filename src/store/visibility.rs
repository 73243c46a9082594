//! The one rule of who may see whom, as SQL every read embeds.
//!
//! `may_see!(viewer, author)` is a condition that holds when the viewer
//! (a bound parameter such as `"$1"`, NULL for a signed-out caller) may see
//! what the account `author` (a column such as `"p.author_id"`) wrote: their
//! profile, posts, comments and place in lists. Today that means no block
//! between the two, in either direction, and the author not suspended.
//! Reads never repeat the rule; they embed this macro, so a new reason to
//! hide someone (a private account) changes every read at once.
//!
//! The block lookups are primary-key probes of `blocks (blocker_id,
//! blocked_id)`; with a NULL viewer neither can match, so everyone not
//! suspended is visible to the signed-out public. The suspension lookup is
//! a primary-key probe of `users`: a suspended account is hidden from
//! everyone until it is lifted.

macro_rules! may_see {
    ($viewer:literal, $author:literal) => {
        concat!(
            "(NOT EXISTS (SELECT 1 FROM blocks vb WHERE vb.blocker_id = ",
            $viewer,
            " AND vb.blocked_id = ",
            $author,
            ") AND NOT EXISTS (SELECT 1 FROM blocks vb WHERE vb.blocker_id = ",
            $author,
            " AND vb.blocked_id = ",
            $viewer,
            ") AND NOT EXISTS (SELECT 1 FROM users vs WHERE vs.id = ",
            $author,
            " AND vs.suspended_at IS NOT NULL))"
        )
    };
}
pub(crate) use may_see;

/// `may_read!(viewer, author)`: the viewer may read what the account
/// `author` published (posts, the comments and likes on them, its lists of
/// followers and followees): [`may_see!`] and, when the account is private,
/// the viewer is its owner or an approved follower. The profile header
/// itself needs only `may_see!`: a private account still shows its name,
/// avatar and counts.
///
/// The extra lookups are primary-key probes of `users` and of
/// `follows (follower_id, followee_id)`; a NULL viewer reads public
/// accounts only. The privacy test is a scalar subquery rather than
/// `NOT EXISTS` on purpose: PostgreSQL turns that anti-join into a hash of
/// every private account (a scan of `users`) for explore, where a probe
/// per row stops with the page.
macro_rules! may_read {
    ($viewer:literal, $author:literal) => {
        concat!(
            "(",
            $crate::store::visibility::may_see!($viewer, $author),
            " AND ((SELECT NOT vp.is_private FROM users vp WHERE vp.id = ",
            $author,
            ") OR ",
            $author,
            " = ",
            $viewer,
            " OR EXISTS (SELECT 1 FROM follows vf WHERE vf.follower_id = ",
            $viewer,
            " AND vf.followee_id = ",
            $author,
            ")))"
        )
    };
}
pub(crate) use may_read;
