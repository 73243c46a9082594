//! Notifications: who did what to whom, and where it stands in the
//! recipient's stream.

use serde::Serialize;
use utoipa::ToSchema;

use super::ids::{CommentId, NotificationId, PostId};
use super::user::ShortUser;
use super::Timestamp;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum NotificationKind {
    Like,
    Comment,
    Follow,
    Mention,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Like => "like",
            Self::Comment => "comment",
            Self::Follow => "follow",
            Self::Mention => "mention",
        }
    }

    /// The stored name back; `None` for a kind this build does not know.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "like" => Self::Like,
            "comment" => Self::Comment,
            "follow" => Self::Follow,
            "mention" => Self::Mention,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Notification {
    pub id: NotificationId,
    /// The notification's position in its recipient's stream: for one
    /// recipient, a notification that commits later has a larger `seq`.
    /// Numbers may be skipped, never reused.
    pub seq: i64,
    pub kind: NotificationKind,
    pub actor: ShortUser,
    pub post_id: Option<PostId>,
    pub comment_id: Option<CommentId>,
    pub created_at: Timestamp,
    pub read: bool,
    /// The thumbnail of the post concerned, for display next to the text.
    pub post_thumbnail_url: Option<String>,
}
