//! A live socket's one timer: due for the next ping or at the end of the
//! socket's credentials, whichever comes first.
//!
//! One boxed `Sleep`, reset to the earlier of the two, instead of the ping
//! `Interval` plus a second `Sleep` for the credentials: every timer is an
//! entry in the runtime's wheel and, being `!Unpin`, a heap allocation of its
//! own, and idle sockets are what the server holds most of. The socket task
//! keeps a pointer and three times.

use std::pin::Pin;
use std::time::Duration;

use tokio::time::{sleep_until, Instant, Sleep};

pub enum Due {
    /// Time to ping the peer.
    Ping,
    /// The access token the socket was opened or last renewed with expired.
    CredentialsExpired,
}

pub struct SocketTimer {
    sleep: Pin<Box<Sleep>>,
    ping_every: Duration,
    next_ping: Instant,
    valid_until: Instant,
}

impl SocketTimer {
    /// The first ping is one `ping_every` from now.
    pub fn new(ping_every: Duration, valid_until: std::time::Instant) -> Self {
        let next_ping = Instant::now() + ping_every;
        let valid_until = Instant::from_std(valid_until);
        Self {
            sleep: Box::pin(sleep_until(next_ping.min(valid_until))),
            ping_every,
            next_ping,
            valid_until,
        }
    }

    /// A fresh token arrived: the socket lives until it expires instead.
    pub fn renew(&mut self, valid_until: std::time::Instant) {
        self.valid_until = Instant::from_std(valid_until);
        self.arm();
    }

    /// Waits until something is due. Cancel-safe, for `select!`: only the
    /// wait itself can be interrupted.
    pub async fn due(&mut self) -> Due {
        self.sleep.as_mut().await;
        let now = Instant::now();
        if now >= self.valid_until {
            return Due::CredentialsExpired;
        }
        // Counted from now: a late ping delays the next one rather than
        // bunching up (what `MissedTickBehavior::Delay` did).
        self.next_ping = now + self.ping_every;
        self.arm();
        Due::Ping
    }

    fn arm(&mut self) {
        let at = self.next_ping.min(self.valid_until);
        self.sleep.as_mut().reset(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOON: Duration = Duration::from_millis(20);
    const HOUR: Duration = Duration::from_secs(3600);

    #[tokio::test]
    async fn pings_at_each_interval_while_the_credentials_last() {
        let mut timer = SocketTimer::new(SOON, std::time::Instant::now() + HOUR);
        for _ in 0..3 {
            let start = Instant::now();
            assert!(matches!(timer.due().await, Due::Ping));
            assert!(start.elapsed() >= SOON);
        }
    }

    #[tokio::test]
    async fn expiry_between_pings_is_due_on_time() {
        let start = std::time::Instant::now();
        let mut timer = SocketTimer::new(HOUR, start + SOON);
        assert!(matches!(timer.due().await, Due::CredentialsExpired));
        assert!(start.elapsed() >= SOON);
    }

    #[tokio::test]
    async fn renewing_moves_the_expiry() {
        let start = std::time::Instant::now();
        let mut timer = SocketTimer::new(HOUR, start + SOON);
        timer.renew(start + SOON * 3);
        assert!(matches!(timer.due().await, Due::CredentialsExpired));
        assert!(start.elapsed() >= SOON * 3);
    }
}
