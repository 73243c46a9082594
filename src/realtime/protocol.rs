//! The messages of `GET /api/ws`, one JSON object per text frame.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::error::ErrorDetail;
use crate::domain::ids::{NotificationId, UserId};
use crate::domain::Post;
use crate::notifications::Notification;

/// Server to client.
#[derive(Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage<'a> {
    /// Authenticated; events follow.
    Ready { user_id: UserId },
    /// A like, comment, follow or mention addressed to the user.
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
    /// `GET /api/notifications` instead. Live events continue after it.
    Resync {
        latest_notification_id: Option<NotificationId>,
    },
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
    /// The first message of a browser client.
    Auth {
        token: String,
        /// The last notification id the client has seen: stored ones after
        /// it are sent first, then live ones, without gap or duplicate.
        since: Option<i64>,
    },
    Ping,
}
