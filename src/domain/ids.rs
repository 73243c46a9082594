//! Typed ids, so a post id can never be passed where a user id belongs.
//! The store reads and writes them as plain integers (`store::ids`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash,
            Serialize, Deserialize, ToSchema,
        )]
        #[serde(transparent)]
        #[schema(value_type = i64)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A user account.
    UserId
);
id_type!(
    /// A signed-in device; the refresh chain and live sockets hang off it.
    SessionId
);
id_type!(
    /// A photo post.
    PostId
);
id_type!(
    /// A comment on a post.
    CommentId
);
id_type!(
    /// A stored notification; ids only grow, so clients mark read "up to" one.
    /// (Reconnecting clients say `since` with the stream's `seq` instead.)
    NotificationId
);
id_type!(
    /// A report of a post, comment or account.
    ReportId
);
id_type!(
    /// One entry of the moderation log.
    ActionId
);
