//! Did every expected event arrive exactly once? Pure bookkeeping over what
//! the workers reported, kept apart so it can be tested on its own.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

/// What the sessions received.
#[derive(Debug, Default)]
pub struct Received {
    /// Like notifications: `(session, actor, post)` → arrival times.
    pub likes: HashMap<(u32, i64, i64), Vec<i64>>,
    /// New-post events: post → `(session, arrival time)`.
    pub posts: HashMap<i64, Vec<(u32, i64)>>,
    /// The `seq` of the last notification each session received.
    pub last_seq: HashMap<u32, i64>,
    /// Notifications whose `seq` was missing or not above the session's last.
    pub out_of_order: u64,
    /// The same, per session.
    pub out_of_order_by_session: HashMap<u32, u64>,
}

impl Received {
    /// Notes a notification's `seq`: each session's must increase.
    pub fn notification_seq(&mut self, session: u32, seq: Option<i64>) {
        let in_order = match seq {
            Some(seq) => self
                .last_seq
                .insert(session, seq)
                .is_none_or(|last| last < seq),
            None => false,
        };
        if !in_order {
            self.out_of_order += 1;
            *self.out_of_order_by_session.entry(session).or_default() += 1;
        }
    }
}

/// A like the coordinator sent and the server accepted.
#[derive(Clone, Copy, Debug)]
pub struct SentLike {
    pub liker: i64,
    pub post: i64,
    pub author: i64,
    /// Unix microseconds.
    pub sent_at: i64,
}

#[derive(Debug, Default, Serialize)]
pub struct Tally {
    /// Deliveries due: one per open session of each recipient.
    pub expected: u64,
    pub delivered: u64,
    pub missing: u64,
    /// Deliveries beyond the first of the same event on the same session.
    pub duplicates: u64,
    /// Events that reached a session they were not meant for.
    pub unexpected: u64,
    /// Notifications that broke their session's `seq` order (likes only).
    pub out_of_order: u64,
    /// From the send to the last delivery, in milliseconds.
    pub all_delivered_ms: Option<f64>,
    /// `(latency, arrival time)` of each first delivery, in microseconds.
    #[serde(skip)]
    pub deliveries: Vec<(i64, i64)>,
}

impl Tally {
    fn arrived(&mut self, sent_at: i64, times: &[i64]) {
        self.expected += 1;
        let Some(first) = times.iter().min() else {
            self.missing += 1;
            return;
        };
        self.delivered += 1;
        self.duplicates += times.len() as u64 - 1;
        let latency = (first - sent_at).max(0);
        self.deliveries.push((latency, *first));
        let last = self
            .all_delivered_ms
            .unwrap_or(0.0)
            .max(latency as f64 / 1000.0);
        self.all_delivered_ms = Some(last);
    }
}

/// Each accepted like should notify every open session of the post's
/// author exactly once; `likers` are the accounts the run liked with.
pub fn tally_likes(
    received: &Received,
    sent: &[SentLike],
    sessions_of: &HashMap<i64, Vec<u32>>,
    likers: &HashSet<i64>,
) -> Tally {
    let mut tally = Tally::default();
    let mut due = HashSet::new();
    for like in sent {
        for &session in sessions_of.get(&like.author).into_iter().flatten() {
            let key = (session, like.liker, like.post);
            due.insert(key);
            let times = received.likes.get(&key).map_or(&[][..], Vec::as_slice);
            tally.arrived(like.sent_at, times);
        }
    }
    tally.unexpected = received
        .likes
        .iter()
        .filter(|(key, _)| likers.contains(&key.1) && !due.contains(key))
        .map(|(_, times)| times.len() as u64)
        .sum();
    tally.out_of_order = received.out_of_order;
    tally
}

/// One user's like notifications, over all their sessions.
#[derive(Debug, Default, Serialize)]
pub struct UserTally {
    pub user: i64,
    pub expected: u64,
    pub received: u64,
    pub missing: u64,
    pub duplicates: u64,
    pub out_of_order: u64,
}

/// Every liked user's count, and the totals.
#[derive(Debug, Default, Serialize)]
pub struct PerUser {
    pub users: usize,
    pub expected: u64,
    pub received: u64,
    pub missing: u64,
    pub duplicates: u64,
    pub out_of_order: u64,
    /// The users with anything missing, doubled or out of order (at most 20).
    pub wrong: Vec<UserTally>,
}

/// For each author of a liked post: the notifications due to their
/// sessions (one per accepted like and open session) against those that
/// came, and how many of those broke their session's `seq` order.
pub fn per_user(
    received: &Received,
    sent: &[SentLike],
    sessions_of: &HashMap<i64, Vec<u32>>,
) -> PerUser {
    let mut users: HashMap<i64, UserTally> = HashMap::new();
    for like in sent {
        let user = users.entry(like.author).or_insert_with(|| UserTally {
            user: like.author,
            ..UserTally::default()
        });
        for &session in sessions_of.get(&like.author).into_iter().flatten() {
            let times = received
                .likes
                .get(&(session, like.liker, like.post))
                .map_or(0, Vec::len) as u64;
            user.expected += 1;
            user.received += times;
            user.missing += u64::from(times == 0);
            user.duplicates += times.saturating_sub(1);
        }
    }
    let mut all = PerUser::default();
    let mut users: Vec<UserTally> = users.into_values().collect();
    users.sort_by_key(|user| user.user);
    for mut user in users {
        user.out_of_order = sessions_of
            .get(&user.user)
            .into_iter()
            .flatten()
            .filter_map(|session| received.out_of_order_by_session.get(session))
            .sum();
        all.users += 1;
        all.expected += user.expected;
        all.received += user.received;
        all.missing += user.missing;
        all.duplicates += user.duplicates;
        all.out_of_order += user.out_of_order;
        let wrong = user.missing + user.duplicates + user.out_of_order > 0;
        if wrong && all.wrong.len() < 20 {
            all.wrong.push(user);
        }
    }
    all
}

/// A new post should reach every open session of each follower exactly
/// once, and no other session.
pub fn tally_post(
    received: &Received,
    post: i64,
    sent_at: i64,
    follower_sessions: &[u32],
) -> Tally {
    let mut tally = Tally::default();
    let mut times: HashMap<u32, Vec<i64>> = HashMap::new();
    for &(session, at) in received.posts.get(&post).into_iter().flatten() {
        times.entry(session).or_default().push(at);
    }
    for session in follower_sessions {
        tally.arrived(sent_at, times.remove(session).as_deref().unwrap_or(&[]));
    }
    tally.unexpected = times.values().map(|t| t.len() as u64).sum();
    tally
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn likes_count_missing_duplicate_and_stray_deliveries() {
        let mut received = Received::default();
        received.likes.insert((0, 100, 7), vec![1_500]);
        received.likes.insert((1, 100, 7), vec![1_200, 1_900]);
        received.likes.insert((5, 100, 7), vec![1_300]);
        received.likes.insert((5, 999, 7), vec![1_300]);
        let sessions_of = HashMap::from([(42, vec![0, 1, 2])]);
        let sent = [SentLike {
            liker: 100,
            post: 7,
            author: 42,
            sent_at: 1_000,
        }];
        let tally = tally_likes(&received, &sent, &sessions_of, &HashSet::from([100]));
        assert_eq!(
            (
                tally.expected,
                tally.delivered,
                tally.missing,
                tally.duplicates,
                tally.unexpected
            ),
            (3, 2, 1, 1, 1)
        );
        assert_eq!(tally.deliveries, vec![(500, 1_500), (200, 1_200)]);
        assert_eq!(tally.all_delivered_ms, Some(0.5));
    }

    #[test]
    fn each_session_must_see_increasing_seqs() {
        let mut received = Received::default();
        for (session, seq) in [(0, Some(1)), (1, Some(1)), (0, Some(3)), (0, Some(2))] {
            received.notification_seq(session, seq);
        }
        assert_eq!(received.out_of_order, 1, "3 then 2 on session 0");
        received.notification_seq(1, Some(1));
        received.notification_seq(1, None);
        assert_eq!(received.out_of_order, 3, "a repeat, and one without a seq");
    }

    #[test]
    fn each_liked_user_is_counted_over_all_their_sessions() {
        let mut received = Received::default();
        // User 42 holds sessions 0 and 1; user 43 session 2.
        received.likes.insert((0, 100, 7), vec![1_500]);
        received.likes.insert((1, 100, 7), vec![1_200, 1_900]);
        received.likes.insert((2, 100, 8), vec![1_300]);
        for (session, seq) in [(0, Some(4)), (1, Some(4)), (1, Some(4)), (2, Some(9))] {
            received.notification_seq(session, seq);
        }
        let sessions_of = HashMap::from([(42, vec![0, 1]), (43, vec![2])]);
        let like = |post, author| SentLike {
            liker: 100,
            post,
            author,
            sent_at: 1_000,
        };
        let counts = per_user(
            &received,
            &[like(7, 42), like(9, 42), like(8, 43)],
            &sessions_of,
        );
        let row = |u: &UserTally| {
            (
                u.user,
                u.expected,
                u.received,
                u.missing,
                u.duplicates,
                u.out_of_order,
            )
        };
        assert_eq!(counts.users, 2);
        assert_eq!(
            counts.wrong.iter().map(row).collect::<Vec<_>>(),
            vec![(42, 4, 3, 2, 1, 1)]
        );
        assert_eq!(
            (
                counts.expected,
                counts.received,
                counts.missing,
                counts.duplicates,
                counts.out_of_order
            ),
            (5, 4, 2, 1, 1)
        );
    }

    #[test]
    fn a_post_reaches_followers_only() {
        let mut received = Received::default();
        received
            .posts
            .insert(9, vec![(0, 2_000), (1, 3_000), (4, 2_500)]);
        let tally = tally_post(&received, 9, 1_000, &[0, 1, 2]);
        assert_eq!(
            (
                tally.expected,
                tally.delivered,
                tally.missing,
                tally.unexpected
            ),
            (3, 2, 1, 1)
        );
        assert_eq!(tally.all_delivered_ms, Some(2.0));
    }
}
