//! People: the full profile and the short form shown beside content.

use serde::Serialize;
use utoipa::ToSchema;

use super::ids::UserId;
use super::media::{small_avatar_key, MediaUrls};
use super::moderation::Role;
use super::Timestamp;

/// A person, as others see them. `GET /api/me` adds `email`.
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    /// A 96 px version of the avatar, or `null` (see `ShortUser`).
    pub avatar_small_url: Option<String>,
    pub created_at: Timestamp,
    pub posts_count: i64,
    pub followers_count: i64,
    pub following_count: i64,
    /// Whether the account is private: its posts, the comments and likes on
    /// them and its lists of people reach only the owner and approved
    /// followers; everyone else sees this profile header only.
    pub is_private: bool,
    /// Present when the caller is signed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followed_by_me: Option<bool>,
    /// Whether this account follows the caller; present when signed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follows_me: Option<bool>,
    /// Whether the caller blocked this account; present when signed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_by_me: Option<bool>,
    /// Whether the caller muted this account; present when signed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub muted_by_me: Option<bool>,
    /// Whether the caller asked to follow this private account and awaits
    /// its answer; present when signed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_requested: Option<bool>,
    /// Only ever present on the caller's own account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// What the caller may moderate; only ever present on the caller's own
    /// account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

/// The few fields shown next to a post, comment or notification.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ShortUser {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub avatar_url: Option<String>,
    /// A 96 px version of the avatar for small slots, or `null` (no avatar,
    /// or one stored before small versions were made).
    pub avatar_small_url: Option<String>,
    /// Only in lists of people (followers, following, suggestions) for a
    /// signed-in caller, so that each row can carry a follow button.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followed_by_me: Option<bool>,
}

impl ShortUser {
    /// The one way a short user is built from stored columns.
    pub fn new(
        id: UserId,
        username: String,
        display_name: String,
        avatar_key: Option<&str>,
        urls: &dyn MediaUrls,
    ) -> Self {
        Self {
            id,
            username,
            display_name,
            avatar_url: avatar_key.map(|key| urls.url(key)),
            avatar_small_url: avatar_key
                .and_then(small_avatar_key)
                .map(|key| urls.url(&key)),
            followed_by_me: None,
        }
    }

    /// The same, with whether the caller follows them.
    pub fn followed_by_me(self, followed: Option<bool>) -> Self {
        Self {
            followed_by_me: followed,
            ..self
        }
    }
}
