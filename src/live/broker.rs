//! The seam between the server and the sockets it delivers to.
//!
//! Everything that must reach live sessions goes through a [`Broker`]:
//! committed notifications, new posts for followers, and ended sessions.
//! [`InProcess`] delivers to this process's own hub and revoked list; a
//! broker that also tells other instances (through Redis, say) plugs in
//! here without any caller changing.

use axum::extract::ws::Utf8Bytes;

use super::hides::Hide;
use super::hub::{close, Event, Hub};
use super::protocol::ServerMessage;
use super::revoked::RevokedSessions;
use crate::domain::ids::{SessionId, UserId};
use crate::domain::{Notification, Post};

pub trait Broker: Send + Sync {
    /// A notification that has committed, for every live session of `recipient`.
    fn notification(&self, recipient: UserId, notification: &Notification);

    /// A post that has committed, for the live sessions of `followers`.
    fn post(&self, followers: &[UserId], post: &Post);

    /// Whether a post event could reach anyone at all; when not, the
    /// followers need not be listed.
    fn has_listeners(&self) -> bool;

    /// A signed-out or revoked session: its access tokens are refused from
    /// now on and its live sockets close with 4401.
    fn session_revoked(&self, user: UserId, session: SessionId);

    /// A block or mute has committed: `viewer`'s sockets drop what is on its
    /// way to them from `of` (of this kind).
    fn hidden(&self, viewer: UserId, of: UserId, hide: Hide);
}

/// Delivers within this process.
pub struct InProcess {
    hub: Hub,
    revoked: RevokedSessions,
}

impl InProcess {
    pub fn new(hub: Hub, revoked: RevokedSessions) -> Self {
        Self { hub, revoked }
    }
}

impl Broker for InProcess {
    fn notification(&self, recipient: UserId, notification: &Notification) {
        let event = Event::notification(
            Utf8Bytes::from(ServerMessage::Notification { notification }.to_json()),
            notification.seq,
            notification.actor.id,
        );
        self.hub.send(recipient, &event);
    }

    fn post(&self, followers: &[UserId], post: &Post) {
        // Serialised once, shared by every follower's queue.
        let event = Event::post(
            Utf8Bytes::from(ServerMessage::Post { post }.to_json()),
            post.author.id,
        );
        for &follower in followers {
            self.hub.send(follower, &event);
        }
    }

    fn has_listeners(&self) -> bool {
        self.hub.connected_users() > 0
    }

    /// The list is written before the sockets are closed: a socket that
    /// registers concurrently checks the list after registering, so it is
    /// either closed here or refused there.
    fn session_revoked(&self, user: UserId, session: SessionId) {
        self.revoked.revoke(session);
        self.hub.close_session(user, session, close::UNAUTHORIZED);
    }

    fn hidden(&self, viewer: UserId, of: UserId, hide: Hide) {
        self.hub.hide(viewer, of, hide);
    }
}
