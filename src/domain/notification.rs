//! Notifications: who did what to whom, and where it stands in the
//! recipient's stream.

use serde::Serialize;
use utoipa::ToSchema;

use super::ids::{CommentId, NotificationId, PostId};
use super::user::ShortUser;
use super::Timestamp;

/// How much of a comment a notification quotes, in characters: a line or
/// two of the panel.
pub const EXCERPT_CHARS: usize = 100;

/// The start of a comment's body, as a notification quotes it.
pub fn excerpt(body: &str) -> String {
    body.chars().take(EXCERPT_CHARS).collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    Like,
    Comment,
    Follow,
    Mention,
    /// To a private account: the actor asks to follow it.
    FollowRequest,
    /// To the one who asked: the actor approved their follow request.
    FollowAccepted,
    /// For moderators: someone filed a report (`post_id`/`comment_id` name
    /// the reported content, if it is a post or comment).
    Report,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Like => "like",
            Self::Comment => "comment",
            Self::Follow => "follow",
            Self::Mention => "mention",
            Self::FollowRequest => "follow_request",
            Self::FollowAccepted => "follow_accepted",
            Self::Report => "report",
        }
    }

    /// The stored name back; `None` for a kind this build does not know.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "like" => Self::Like,
            "comment" => Self::Comment,
            "follow" => Self::Follow,
            "mention" => Self::Mention,
            "follow_request" => Self::FollowRequest,
            "follow_accepted" => Self::FollowAccepted,
            "report" => Self::Report,
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
    /// Who did it; `followed_by_me` says whether the recipient follows them
    /// (for "Follow back").
    pub actor: ShortUser,
    pub post_id: Option<PostId>,
    pub comment_id: Option<CommentId>,
    /// The first [`EXCERPT_CHARS`] characters of the comment concerned (a
    /// comment or mention in a comment), or `None`.
    pub comment_excerpt: Option<String>,
    pub created_at: Timestamp,
    pub read: bool,
    /// The thumbnail of the post concerned, for display next to the text.
    pub post_thumbnail_url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_is_the_first_hundred_characters_of_the_comment() {
        let long = "é".repeat(EXCERPT_CHARS + 5);
        let cases = [
            ("short", "short"),
            ("two\nlines", "two\nlines"),
            (long.as_str(), &long[..EXCERPT_CHARS * 'é'.len_utf8()]),
        ];
        for (body, expected) in cases {
            assert_eq!(excerpt(body), expected, "{body:?}");
        }
    }
}
