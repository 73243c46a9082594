//! `loadtest ws-worker` (hidden): a process the `ws` coordinator starts to
//! hold a share of the WebSocket sessions, since one process may hold at
//! most 20,000 open files. It reads its orders on stdin and reports every
//! event it receives on stdout.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{mpsc, watch, Semaphore};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::protocol::{now_micros, FromWorker, SessionSpec, ToWorker};

/// How long the server has to answer `auth` with `ready`.
const READY_TIMEOUT: Duration = Duration::from_secs(15);

type Socket = WebSocketStream<TcpStream>;

/// How long a session keeps trying to reconnect before it gives up.
const RECONNECT_FOR: Duration = Duration::from_secs(60);

/// Each session's `seq` before the run, as the coordinator sent it.
type Baselines = Arc<Mutex<HashMap<u32, i64>>>;

pub async fn run() -> anyhow::Result<()> {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let first = lines
        .next_line()
        .await?
        .context("no orders on stdin: this subcommand is for `loadtest ws` only")?;
    let ToWorker::Open {
        urls,
        source,
        connect_concurrency,
        reconnect,
        sessions,
    } = serde_json::from_str(&first).context("reading the orders")?
    else {
        bail!("the first order must be `open`");
    };
    let mut instances = Vec::with_capacity(urls.len());
    for url in urls {
        let target = resolve(&url).await?;
        instances.push((url, target));
    }
    let instances = Arc::new(instances);

    let (events, mut outbox) = mpsc::unbounded_channel::<FromWorker>();
    let writer = tokio::spawn(async move {
        let mut stdout = tokio::io::BufWriter::new(tokio::io::stdout());
        while let Some(event) = outbox.recv().await {
            let mut line = serde_json::to_vec(&event)?;
            line.push(b'\n');
            stdout.write_all(&line).await?;
            if outbox.is_empty() {
                stdout.flush().await?;
            }
        }
        stdout.flush().await?;
        Ok::<_, std::io::Error>(())
    });

    let (stop, stopping) = watch::channel(false);
    let connecting = Arc::new(Semaphore::new(connect_concurrency.max(1)));
    let baselines: Baselines = Arc::default();
    let tasks: Vec<_> = sessions
        .into_iter()
        .map(|spec| {
            let session = Session {
                instances: Arc::clone(&instances),
                instance: spec.instance % instances.len().max(1),
                source,
                reconnect,
                baselines: Arc::clone(&baselines),
                events: events.clone(),
                stopping: stopping.clone(),
            };
            tokio::spawn(session.run(spec, Arc::clone(&connecting)))
        })
        .collect();

    // Anything but more orders (a `close`, end of input, a broken pipe)
    // means: close up and leave.
    while let Ok(Some(line)) = lines.next_line().await {
        match serde_json::from_str(&line) {
            Ok(ToWorker::Baseline { seqs }) => lock(&baselines).extend(seqs),
            Ok(ToWorker::Open { .. }) => {}
            _ => break,
        }
    }
    let _ = stop.send(true);
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    }
    let _ = events.send(FromWorker::Done);
    drop(events);
    writer.await.context("the output task failed")??;
    Ok(())
}

fn lock(baselines: &Baselines) -> std::sync::MutexGuard<'_, HashMap<u32, i64>> {
    baselines
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn resolve(url: &str) -> anyhow::Result<SocketAddr> {
    let request = url.into_client_request().context("a bad WebSocket URL")?;
    let host = request
        .uri()
        .host()
        .context("the URL has no host")?
        .trim_matches(['[', ']'])
        .to_owned();
    let port = request.uri().port_u16().unwrap_or(80);
    let mut addresses = tokio::net::lookup_host((host.as_str(), port)).await?;
    addresses
        .next()
        .with_context(|| format!("{host} has no address"))
}

struct Session {
    /// Every instance's URL and address.
    instances: Arc<Vec<(String, SocketAddr)>>,
    /// The one it is on.
    instance: usize,
    source: Option<IpAddr>,
    reconnect: bool,
    baselines: Baselines,
    events: mpsc::UnboundedSender<FromWorker>,
    stopping: watch::Receiver<bool>,
}

impl Session {
    async fn run(mut self, spec: SessionSpec, connecting: Arc<Semaphore>) {
        let session = spec.index;
        let started = Instant::now();
        let opened = match connecting.acquire().await {
            Ok(_permit) => self.open(&spec.token, None).await,
            Err(e) => Err(anyhow::Error::new(e)),
        };
        let mut socket = match opened {
            Ok(socket) => socket,
            Err(e) => {
                let error = format!("{e:#}");
                let _ = self.events.send(FromWorker::Failed { session, error });
                return;
            }
        };
        let micros = started.elapsed().as_micros() as u64;
        let _ = self.events.send(FromWorker::Ready { session, micros });

        // The newest `seq` this session has seen, for `since`.
        let mut last_seq: Option<i64> = None;
        loop {
            let reason = tokio::select! {
                message = socket.next() => match message {
                    Some(Ok(Message::Text(text))) => {
                        let event = event(session, text.as_str());
                        if let FromWorker::Notification { seq: Some(seq), .. } = &event {
                            last_seq = Some(last_seq.map_or(*seq, |last| last.max(*seq)));
                        }
                        let _ = self.events.send(event);
                        continue;
                    }
                    Some(Ok(Message::Close(frame))) => match frame {
                        Some(frame) => format!("closed by the server: {} {}", frame.code, frame.reason),
                        None => "closed by the server".to_owned(),
                    },
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => format!("{e}"),
                    None => "connection ended".to_owned(),
                },
                _ = self.stopping.changed() => {
                    let _ = socket.close(None).await;
                    return;
                }
            };
            let since = last_seq.or_else(|| lock(&self.baselines).get(&session).copied());
            match self
                .reconnect(session, &spec.token, since, &connecting)
                .await
            {
                Some(again) => socket = again,
                None => {
                    let _ = self.events.send(FromWorker::Closed { session, reason });
                    return;
                }
            }
        }
    }

    /// With `reconnect`, tries the other instances in turn (the one that
    /// ended the session last), with back-off, until one takes it. The
    /// first one tried depends on the session, so that the sessions of a
    /// killed instance spread evenly over the others, as behind a load
    /// balancer: all of them on the next one could take it past its
    /// open-file limit.
    async fn reconnect(
        &mut self,
        session: u32,
        token: &str,
        since: Option<i64>,
        connecting: &Semaphore,
    ) -> Option<Socket> {
        if !self.reconnect || *self.stopping.borrow() {
            return None;
        }
        let started = Instant::now();
        let mut backoff = Duration::from_millis(20);
        let mut hop = first_hop(session, self.instances.len());
        while started.elapsed() < RECONNECT_FOR {
            self.instance = (self.instance + hop) % self.instances.len();
            hop = 1;
            let opened = match connecting.acquire().await {
                Ok(_permit) => self.open(token, since).await,
                Err(_) => return None,
            };
            if let Ok(socket) = opened {
                let _ = self.events.send(FromWorker::Reconnected {
                    session,
                    instance: self.instance,
                    micros: started.elapsed().as_micros() as u64,
                });
                return Some(socket);
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(1));
        }
        None
    }

    /// Connects to the current instance (from the source address, if any),
    /// upgrades and authenticates (with `since`), and waits for `ready`.
    async fn open(&self, token: &str, since: Option<i64>) -> anyhow::Result<Socket> {
        let (url, target) = &self.instances[self.instance];
        let socket = match target {
            SocketAddr::V4(_) => TcpSocket::new_v4(),
            SocketAddr::V6(_) => TcpSocket::new_v6(),
        }
        .context("creating a socket")?;
        if let Some(source) = self.source {
            socket
                .bind(SocketAddr::new(source, 0))
                .with_context(|| format!("binding to {source}"))?;
        }
        let stream = socket.connect(*target).await.context("connecting")?;
        stream.set_nodelay(true)?;
        let request = url.as_str().into_client_request()?;
        // Small buffers: thousands of idle sessions must not cost the
        // client more memory than the server.
        let config = WebSocketConfig::default()
            .read_buffer_size(4096)
            .write_buffer_size(0)
            .max_write_buffer_size(64 * 1024)
            .max_message_size(Some(4 << 20));
        let (mut socket, _) =
            tokio_tungstenite::client_async_with_config(request, stream, Some(config))
                .await
                .context("WebSocket upgrade")?;
        let auth = match since {
            Some(since) => json!({ "type": "auth", "token": token, "since": since }),
            None => json!({ "type": "auth", "token": token }),
        };
        socket.send(Message::text(auth.to_string())).await?;
        tokio::time::timeout(READY_TIMEOUT, async {
            while let Some(message) = socket.next().await {
                if let Message::Text(text) = message? {
                    let value: Value = serde_json::from_str(text.as_str())?;
                    match value["type"].as_str() {
                        Some("ready") => return Ok(()),
                        Some("error") => bail!("the server refused auth: {value}"),
                        _ => {}
                    }
                }
            }
            bail!("the server closed before ready")
        })
        .await
        .context("no `ready` in time")??;
        Ok(socket)
    }
}

/// Reads one server message into an event for the coordinator.
fn event(session: u32, text: &str) -> FromWorker {
    let at = now_micros();
    let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    match value["type"].as_str() {
        Some("notification") => {
            let n = &value["notification"];
            FromWorker::Notification {
                session,
                at,
                seq: n["seq"].as_i64(),
                kind: n["kind"].as_str().unwrap_or_default().to_owned(),
                actor: n["actor"]["id"].as_i64().unwrap_or(0),
                post: n["post_id"].as_i64(),
            }
        }
        Some("post") => FromWorker::Post {
            session,
            at,
            post: value["post"]["id"].as_i64().unwrap_or(0),
            author: value["post"]["author"]["id"].as_i64().unwrap_or(0),
        },
        other => FromWorker::Other {
            session,
            kind: other.unwrap_or("not json").to_owned(),
        },
    }
}

/// How far from the instance that ended it session `session` moves first,
/// when sessions go to instance `index % instances`: sessions that were on
/// one instance get every other instance in turn.
fn first_hop(session: u32, instances: usize) -> usize {
    if instances <= 1 {
        return 1;
    }
    1 + (session as usize / instances) % (instances - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_messages_become_events() {
        let like = r#"{"type":"notification","notification":{"id":9,"seq":2,"kind":"like","actor":{"id":4},"post_id":17}}"#;
        match event(3, like) {
            FromWorker::Notification {
                session: 3,
                seq: Some(2),
                kind,
                actor: 4,
                post: Some(17),
                ..
            } => assert_eq!(kind, "like"),
            other => panic!("{other:?}"),
        }
        let post = r#"{"type":"post","post":{"id":5,"author":{"id":1}}}"#;
        assert!(matches!(
            event(0, post),
            FromWorker::Post {
                post: 5,
                author: 1,
                ..
            }
        ));
        assert!(matches!(
            event(0, "{\"type\":\"pong\"}"),
            FromWorker::Other { .. }
        ));
    }

    #[test]
    fn a_killed_instances_sessions_spread_over_all_the_others() {
        let instances = 6;
        let killed = 2;
        let mut taken = vec![0; instances];
        for session in (killed..6000).step_by(instances) {
            taken[(killed + first_hop(session as u32, instances)) % instances] += 1;
        }
        assert_eq!(taken, [200, 200, 0, 200, 200, 200]);
        assert_eq!(
            first_hop(7, 1),
            1,
            "one instance: it is the only one to try"
        );
    }
}
