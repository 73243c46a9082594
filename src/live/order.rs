//! The order in which one socket delivers its user's notifications.
//!
//! Notifications are published by concurrent requests after their commits,
//! so they can reach a socket out of `seq` order. A socket sends them in
//! `seq` order, each once: one it already sent is dropped, and one that
//! arrives ahead of a missing `seq` is held. The missing one is either still
//! on its way, or will never come (a repeat that was not stored, or one
//! deleted since): once a later `seq` has committed, every earlier one has
//! committed or never will, so after a short wait, or once the hold is full,
//! the socket reads the gap from the store, which tells the two apart.
//!
//! [`Order`] makes those decisions and does nothing else, so that they can
//! be tested on their own.

/// Most notifications held behind a missing one; one more reads the gap at once.
pub const HOLD_CAPACITY: usize = 16;

/// Where one socket's stream stands.
#[derive(Debug)]
pub struct Order<T> {
    /// Every `seq` up to this one was sent, or is known not to exist.
    delivered: i64,
    /// Notifications ahead of a gap, by ascending `seq`. Empty (and without
    /// an allocation) whenever nothing waits, which is nearly always.
    held: Vec<(i64, T)>,
}

/// What to do with a notification just offered.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict<T> {
    /// Sent before (or known to be gone): drop it.
    Stale,
    /// Next in line: send it, then whatever [`Order::next_held`] yields.
    Next(T),
    /// Ahead of a missing `seq`: kept until the gap closes.
    Held,
    /// The hold is full: read this gap from the store now, send what is
    /// there, then call [`Order::caught_up`].
    Fetch(Gap),
}

/// The `seq`s `after < seq <= up_to` still to be settled from the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gap {
    pub after: i64,
    pub up_to: i64,
}

impl<T> Order<T> {
    /// A stream whose `seq`s up to `delivered` are already taken care of.
    pub fn new(delivered: i64) -> Self {
        Self {
            delivered,
            held: Vec::new(),
        }
    }

    /// Decides about a live notification with this `seq`.
    pub fn offer(&mut self, seq: i64, item: T) -> Verdict<T> {
        if seq <= self.delivered {
            return Verdict::Stale;
        }
        if seq == self.delivered + 1 {
            self.delivered = seq;
            return Verdict::Next(item);
        }
        let at = match self.held.binary_search_by_key(&seq, |&(held, _)| held) {
            Ok(_) => return Verdict::Stale,
            Err(at) => at,
        };
        if self.held.len() == HOLD_CAPACITY {
            let newest_held = self.held.last().map_or(seq, |&(held, _)| held);
            return Verdict::Fetch(Gap {
                after: self.delivered,
                up_to: seq.max(newest_held),
            });
        }
        self.held.insert(at, (seq, item));
        Verdict::Held
    }

    /// The held notification that now follows without a gap, if any.
    pub fn next_held(&mut self) -> Option<T> {
        match self.held.first() {
            Some(&(seq, _)) if seq == self.delivered + 1 => {
                self.delivered = seq;
                let (_, item) = self.held.remove(0);
                self.release_if_empty();
                Some(item)
            }
            _ => None,
        }
    }

    /// Whether something waits behind a gap.
    pub fn is_holding(&self) -> bool {
        !self.held.is_empty()
    }

    /// The gap to read from the store when the stream is known to stand at
    /// `latest`: whatever was not sent up to it (and up to anything held).
    pub fn behind(&self, latest: i64) -> Option<Gap> {
        let newest_held = self.held.last().map_or(latest, |&(held, _)| held);
        (latest > self.delivered).then(|| Gap {
            after: self.delivered,
            up_to: latest.max(newest_held),
        })
    }

    /// The gap to read from the store when holding has taken too long.
    pub fn gap(&self) -> Option<Gap> {
        self.held.last().map(|&(up_to, _)| Gap {
            after: self.delivered,
            up_to,
        })
    }

    /// Everything up to `up_to` was sent from the store or does not exist.
    pub fn caught_up(&mut self, up_to: i64) {
        self.delivered = self.delivered.max(up_to);
        self.held.retain(|&(seq, _)| seq > up_to);
        self.release_if_empty();
    }

    fn release_if_empty(&mut self) {
        if self.held.is_empty() {
            self.held = Vec::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a test feeds the stream.
    #[derive(Clone, Copy, Debug)]
    enum Input {
        /// A live notification with this `seq`.
        Live(i64),
        /// The hold has lasted too long.
        Expire,
    }
    use Input::{Expire, Live};

    /// What the socket did, in order.
    #[derive(Debug, PartialEq, Eq)]
    enum Step {
        /// Sent the live notification with this `seq`.
        Sent(i64),
        /// Read `(after, up_to]` from the store and sent these `seq`s.
        Fetched(i64, i64, Vec<i64>),
    }
    use Step::{Fetched, Sent};

    /// Drives an `Order` as the socket does, over a store holding `stored`.
    fn run(delivered: i64, stored: &[i64], inputs: &[Input]) -> Vec<Step> {
        let mut order = Order::new(delivered);
        let mut steps = Vec::new();
        let fetch = |order: &mut Order<i64>, gap: Gap, steps: &mut Vec<Step>| {
            let found = stored
                .iter()
                .copied()
                .filter(|&seq| gap.after < seq && seq <= gap.up_to)
                .collect();
            steps.push(Fetched(gap.after, gap.up_to, found));
            order.caught_up(gap.up_to);
        };
        for &input in inputs {
            match input {
                Live(seq) => match order.offer(seq, seq) {
                    Verdict::Stale | Verdict::Held => {}
                    Verdict::Next(seq) => {
                        steps.push(Sent(seq));
                        while let Some(seq) = order.next_held() {
                            steps.push(Sent(seq));
                        }
                    }
                    Verdict::Fetch(gap) => fetch(&mut order, gap, &mut steps),
                },
                Expire => {
                    if let Some(gap) = order.gap() {
                        fetch(&mut order, gap, &mut steps);
                    }
                }
            }
        }
        steps
    }

    /// One row of the table: a stream standing at `delivered`, a store
    /// holding `stored`, what arrives, and what the socket must do.
    struct Case<'a> {
        name: &'a str,
        delivered: i64,
        stored: &'a [i64],
        inputs: &'a [Input],
        expected: Vec<Step>,
    }

    #[test]
    fn delivers_in_seq_order_once_and_settles_gaps_from_the_store() {
        let full: Vec<Input> = (2..=HOLD_CAPACITY as i64 + 2).map(Live).collect();
        let all: Vec<i64> = (1..=HOLD_CAPACITY as i64 + 2).collect();
        let cases = [
            Case {
                name: "in order: each at once",
                delivered: 0,
                stored: &[],
                inputs: &[Live(1), Live(2), Live(3)],
                expected: vec![Sent(1), Sent(2), Sent(3)],
            },
            Case {
                name: "already delivered: dropped",
                delivered: 5,
                stored: &[],
                inputs: &[Live(3), Live(5), Live(6), Live(6)],
                expected: vec![Sent(6)],
            },
            Case {
                name: "ahead of a missing one: waits for it",
                delivered: 0,
                stored: &[],
                inputs: &[Live(2), Live(1), Live(3)],
                expected: vec![Sent(1), Sent(2), Sent(3)],
            },
            Case {
                name: "a held run follows the missing one at once",
                delivered: 0,
                stored: &[],
                inputs: &[Live(4), Live(3), Live(2), Live(1)],
                expected: vec![Sent(1), Sent(2), Sent(3), Sent(4)],
            },
            Case {
                name: "a second copy of a held one: dropped",
                delivered: 0,
                stored: &[],
                inputs: &[Live(2), Live(2), Live(1)],
                expected: vec![Sent(1), Sent(2)],
            },
            Case {
                name: "a gap that closes leaves the rest held",
                delivered: 0,
                stored: &[],
                inputs: &[Live(2), Live(4), Live(1), Live(3)],
                expected: vec![Sent(1), Sent(2), Sent(3), Sent(4)],
            },
            Case {
                name: "missing too long: read from the store; its late live copy is dropped",
                delivered: 1,
                stored: &[2, 3],
                inputs: &[Live(3), Expire, Live(2), Live(4)],
                expected: vec![Fetched(1, 3, vec![2, 3]), Sent(4)],
            },
            Case {
                name: "absent from the store: a hole, skipped for good",
                delivered: 0,
                stored: &[1, 3],
                inputs: &[Live(1), Live(3), Expire, Live(4)],
                expected: vec![Sent(1), Fetched(1, 3, vec![3]), Sent(4)],
            },
            Case {
                name: "the gap reaches the newest held one",
                delivered: 0,
                stored: &[2, 3, 5],
                inputs: &[Live(5), Live(3), Expire],
                expected: vec![Fetched(0, 5, vec![2, 3, 5])],
            },
            Case {
                name: "expiry with nothing held: nothing to do",
                delivered: 0,
                stored: &[1],
                inputs: &[Live(1), Expire],
                expected: vec![Sent(1)],
            },
            Case {
                name: "a full hold reads the gap at once, up to the newest",
                delivered: 0,
                stored: &all,
                inputs: &full,
                expected: vec![Fetched(0, HOLD_CAPACITY as i64 + 2, all.clone())],
            },
        ];
        for case in cases {
            assert_eq!(
                run(case.delivered, case.stored, case.inputs),
                case.expected,
                "{}",
                case.name
            );
        }
    }

    #[test]
    fn nothing_stays_allocated_once_the_gap_is_settled() {
        let mut order = Order::new(0);
        assert_eq!(order.offer(3, ()), Verdict::Held);
        assert_eq!(order.offer(2, ()), Verdict::Held);
        assert_eq!(order.offer(1, ()), Verdict::Next(()));
        while order.next_held().is_some() {}
        assert_eq!(order.held.capacity(), 0);

        assert_eq!(order.offer(5, ()), Verdict::Held);
        order.caught_up(5);
        assert_eq!((order.held.capacity(), order.is_holding()), (0, false));
        assert_eq!(order.offer(6, ()), Verdict::Next(()));
    }

    #[test]
    fn a_catch_up_reads_what_was_not_sent_up_to_the_latest_seq() {
        let mut order = Order::new(3);
        assert_eq!(order.behind(3), None, "up to date");
        assert_eq!(order.behind(2), None, "an older latest changes nothing");
        assert_eq!(order.behind(5), Some(Gap { after: 3, up_to: 5 }));
        assert_eq!(order.offer(7, ()), Verdict::Held);
        assert_eq!(
            order.behind(5),
            Some(Gap { after: 3, up_to: 7 }),
            "and whatever is held"
        );
    }
}
