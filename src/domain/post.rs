//! Photo posts and their images.

use serde::Serialize;
use utoipa::ToSchema;

use super::comment::Comment;
use super::ids::PostId;
use super::user::ShortUser;
use super::Timestamp;

/// Most images in one post.
pub const MAX_IMAGES: usize = 10;
pub const CAPTION_MAX: usize = 2200;
pub const ALT_MAX: usize = 1500;
/// How many of its newest comments a post carries (`recent_comments`):
/// enough for a card's preview, so a page of cards needs no extra request.
pub const RECENT_COMMENTS: usize = 3;

/// A photo post as clients see it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Post {
    pub id: PostId,
    pub author: ShortUser,
    pub caption: String,
    pub media: Vec<Media>,
    /// Lower case, without `#`, in order of appearance.
    pub hashtags: Vec<String>,
    pub like_count: i64,
    pub comment_count: i64,
    /// Always false for a signed-out caller.
    pub liked_by_me: bool,
    /// The newest comments (at most three), newest last.
    pub recent_comments: Vec<Comment>,
    pub created_at: Timestamp,
}

/// One image of a post.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Media {
    /// The display version: long side at most 1080 px.
    pub url: String,
    /// A 320 px square, centre-cropped.
    pub thumbnail_url: String,
    /// The display version scaled to 540 px wide, for phones and the feed's
    /// column at 1×; `null` when the display version is not wider than that
    /// (or was stored before medium versions were made).
    pub medium_url: Option<String>,
    pub width: i64,
    pub height: i64,
    /// A compact placeholder to paint while the image loads.
    pub blurhash: String,
    pub alt: String,
}

/// A hashtag and how many posts carry it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HashtagCount {
    pub tag: String,
    pub post_count: i64,
}
