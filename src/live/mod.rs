//! Live events: the registry of live sockets ([`Hub`]), one socket's life
//! ([`socket`]), the wire protocol ([`protocol`]), the order a socket
//! delivers notifications in ([`order`]), its ping and credential deadline
//! ([`timer`]), the sessions that ended ([`RevokedSessions`]), blocks and
//! mutes that overtake queued events ([`hides`]), and the [`Broker`] every
//! event and revocation goes through. Events enter only after the write that
//! caused them has committed.

mod broker;
pub mod hides;
mod hub;
mod order;
pub mod protocol;
mod revoked;
mod socket;
mod timer;

pub use broker::{Broker, InProcess};
pub use hub::{close, Event, Hub, Registration};
pub use revoked::RevokedSessions;
pub use socket::{run, Backlog, Context};
