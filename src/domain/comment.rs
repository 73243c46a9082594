//! Comments on posts.

use serde::Serialize;
use utoipa::ToSchema;

use super::ids::{CommentId, PostId, UserId};
use super::user::ShortUser;
use super::Timestamp;

/// Longest comment, in characters.
pub const BODY_MAX: usize = 2200;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Comment {
    pub id: CommentId,
    pub post_id: PostId,
    pub author: ShortUser,
    pub body: String,
    pub created_at: Timestamp,
}

/// A comment may be deleted by whoever wrote it and by the author of the
/// post it is on.
pub fn may_delete(actor: UserId, comment_author: UserId, post_author: UserId) -> bool {
    actor == comment_author || actor == post_author
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_two_authors_may_delete_a_comment() {
        let (writer, poster, other) = (UserId(1), UserId(2), UserId(3));
        let cases = [
            (writer, true, "the comment's author"),
            (poster, true, "the post's author"),
            (other, false, "anyone else"),
        ];
        for (actor, allowed, who) in cases {
            assert_eq!(may_delete(actor, writer, poster), allowed, "{who}");
        }
    }
}
