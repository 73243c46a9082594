//! What the `ws` coordinator and its worker processes say to each other:
//! one JSON object per line, over the worker's stdin and stdout.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// Coordinator to worker.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    /// Open these sessions, each on its instance of `urls`, from `source`
    /// when given. With `reconnect`, a session the server or the network
    /// ends reconnects to the next instance with `since`.
    Open {
        urls: Vec<String>,
        source: Option<IpAddr>,
        connect_concurrency: usize,
        reconnect: bool,
        sessions: Vec<SessionSpec>,
    },
    /// Each session's `seq` before the run's events: what it reconnects
    /// with `since` from if none of its notifications has arrived yet.
    Baseline { seqs: Vec<(u32, i64)> },
    /// Close every session and exit.
    Close,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SessionSpec {
    /// The session's number in the whole run.
    pub index: u32,
    /// Which of the URLs it connects to first.
    pub instance: usize,
    pub token: String,
}

/// Worker to coordinator. Times (`at`) are Unix microseconds of the
/// system clock, which all processes on the machine share.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromWorker {
    /// Authenticated: the server said `ready`, `micros` after the connect began.
    Ready {
        session: u32,
        micros: u64,
    },
    Failed {
        session: u32,
        error: String,
    },
    /// Its connection ended and it is authenticated again, on `instance`,
    /// `micros` after the end; the replay from `since` follows.
    Reconnected {
        session: u32,
        instance: usize,
        micros: u64,
    },
    Notification {
        session: u32,
        at: i64,
        /// Its place in the recipient's stream (`None`: the server sent none).
        seq: Option<i64>,
        kind: String,
        actor: i64,
        post: Option<i64>,
    },
    Post {
        session: u32,
        at: i64,
        post: i64,
        author: i64,
    },
    /// Anything else the server sent (`pong`, `error`, other events).
    Other {
        session: u32,
        kind: String,
    },
    /// The server or the network ended a session the coordinator had not closed.
    Closed {
        session: u32,
        reason: String,
    },
    /// Every session is closed after `Close`.
    Done,
}

/// The system clock in Unix microseconds.
pub fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}
