//! The messages of `GET /api/ws`, one JSON object per text frame.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::error::ErrorDetail;
use crate::domain::ids::UserId;
use crate::domain::Notification;
use crate::domain::Post;

/// Server to client.
#[derive(Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage<'a> {
    /// Authenticated; events follow.
    Ready { user_id: UserId },
    /// A like, comment, follow or mention addressed to the user (and, to
    /// moderators, a report); each once, in `seq` order.
    Notification {
        #[schema(value_type = Notification)]
        notification: &'a Notification,
    },
    /// Someone the user follows published a post.
    Post {
        #[schema(value_type = Post)]
        post: &'a Post,
    },
    /// More notifications were missed than a reconnect replays: fetch
    /// `GET /api/notifications` instead. Live events continue after it,
    /// from the one after `latest_seq` (the client's new `since`).
    Resync { latest_seq: i64 },
    /// A client message could not be understood; the socket stays open.
    Error { error: ErrorDetail },
    /// The answer to `{"type":"ping"}`.
    Pong,
}

impl ServerMessage<'_> {
    pub fn to_json(&self) -> String {
        // Serialising these types cannot fail: no maps with non-string keys.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn error(code: &str, message: &str) -> ServerMessage<'static> {
        ServerMessage::Error {
            error: ErrorDetail {
                code: code.to_owned(),
                message: message.to_owned(),
            },
        }
    }
}

/// Client to server.
#[derive(Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// The first message of a browser client, and again on the open socket
    /// with each renewed access token (there `since` is ignored): the socket
    /// closes with 4401 when its token expires unrenewed.
    Auth {
        token: String,
        /// The last notification `seq` the client has seen: stored ones
        /// after it are sent first, then live ones, in `seq` order, without
        /// gap or duplicate. Without it, the socket starts with what
        /// commits from now on.
        since: Option<i64>,
    },
    Ping,
}
