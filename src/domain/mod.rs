//! The domain: typed ids, validated inputs, the objects clients see and the
//! pure rules about them. Nothing here knows about SQL or HTTP.

pub mod auth;
pub mod comment;
pub mod error;
pub mod fields;
pub mod ids;
pub mod media;
pub mod moderation;
pub mod notification;
pub mod pagination;
pub mod post;
pub mod text;
mod time;
pub mod user;

pub use comment::Comment;
pub use media::MediaUrls;
pub use notification::{Notification, NotificationKind};
pub use post::{HashtagCount, Media, Post};
pub use time::Timestamp;
pub use user::{ShortUser, User};
