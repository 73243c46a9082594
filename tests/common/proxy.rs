//! A TCP proxy with a switch, to cut a dependency (PostgreSQL, the S3
//! server) away from the app in the middle of a test and bring it back.

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does with connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// Forwards every byte both ways.
    Up,
    /// Closes existing connections and accepts new ones only to close them.
    Refusing,
    /// Closes existing connections; new ones are held open and never answered,
    /// like a server behind a dead network.
    Blackholing,
}

/// A TCP proxy from a local port to `upstream`, with a switch.
pub struct Proxy {
    pub addr: SocketAddr,
    link: watch::Sender<Link>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let (link, watcher) = watch::channel(Link::Up);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, upstream, watcher.clone()));
            }
        });
        Self { addr, link }
    }

    pub fn set(&self, link: Link) {
        self.link.send_replace(link);
    }
}

/// Serves one client connection according to the switch.
async fn relay(mut client: TcpStream, upstream: SocketAddr, mut link: watch::Receiver<Link>) {
    let now = *link.borrow_and_update();
    match now {
        Link::Refusing => return,
        Link::Blackholing => {
            // Hold the socket until the link changes, reading nothing.
            let _ = link.changed().await;
            return;
        }
        Link::Up => {}
    }
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        // Any change of the switch cuts the connection (both sockets drop).
        _ = link.changed() => {}
    }
}

/// `url` with its host and port replaced by `addr`.
pub fn through(url: &str, addr: SocketAddr) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let credentials = authority.rfind('@').map_or("", |at| &authority[..=at]);
    format!(
        "{}{credentials}{addr}{}",
        &url[..scheme_end],
        &rest[authority_end..]
    )
}
