//! Reports, roles and the moderation log: who may moderate, what can be
//! reported and why, and what a moderator did.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ids::{ActionId, PostId, ReportId, UserId};
use super::user::ShortUser;
use super::Timestamp;

/// Longest note on a report, in characters.
pub const NOTE_MAX: usize = 500;
/// Longest reason a moderator gives for an action, in characters.
pub const REASON_MAX: usize = 500;

/// Stored names of closed sets, both ways.
macro_rules! stored_names {
    ($type:ident { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $type {
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name),*
                }
            }

            /// The stored name back; `None` for a name this build does not know.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($name => Some(Self::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

/// What an account may do beyond using the app. Moderators handle
/// reports and suspensions; admins also name moderators and read the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Moderator,
    Admin,
}
stored_names!(Role { User => "user", Moderator => "moderator", Admin => "admin" });

impl Role {
    /// Whether the role may use the moderator routes (admins may).
    pub fn moderates(self) -> bool {
        matches!(self, Self::Moderator | Self::Admin)
    }
}

/// What a report (or a moderator action) is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Post,
    Comment,
    User,
}
stored_names!(TargetKind { Post => "post", Comment => "comment", User => "user" });

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportReason {
    Spam,
    Harassment,
    Nudity,
    Violence,
    Other,
}
stored_names!(ReportReason {
    Spam => "spam",
    Harassment => "harassment",
    Nudity => "nudity",
    Violence => "violence",
    Other => "other",
});

/// How a moderator settles a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Nothing wrong: the reports close, nothing else changes.
    Dismiss,
    /// The reported post or comment is deleted (not for an account).
    RemoveContent,
    /// The account the target belongs to is suspended.
    SuspendAccount,
}

/// Every kind of entry in the moderation log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Dismiss,
    RemoveContent,
    SuspendAccount,
    UnsuspendAccount,
    GrantModerator,
    RevokeModerator,
}
stored_names!(Action {
    Dismiss => "dismiss",
    RemoveContent => "remove_content",
    SuspendAccount => "suspend_account",
    UnsuspendAccount => "unsuspend_account",
    GrantModerator => "grant_moderator",
    RevokeModerator => "revoke_moderator",
});

impl From<Resolution> for Action {
    fn from(resolution: Resolution) -> Self {
        match resolution {
            Resolution::Dismiss => Self::Dismiss,
            Resolution::RemoveContent => Self::RemoveContent,
            Resolution::SuspendAccount => Self::SuspendAccount,
        }
    }
}

/// A target as a stored pair: its kind and the id of the post, comment or
/// account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    pub kind: TargetKind,
    pub id: i64,
}

/// Whether a report still waits for a moderator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Open,
    Resolved,
}

/// What was reported, summarised for the moderator.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReportTarget {
    pub kind: TargetKind,
    /// The post's, comment's or account's numeric id.
    pub id: i64,
    /// Whose it is: the author of the post or comment, or the account itself.
    pub account: ShortUser,
    /// The post itself, or the post a comment is on; `null` for an account.
    pub post_id: Option<PostId>,
    /// The first 100 characters of the caption or comment; `null` for an
    /// account and once the content is gone.
    pub excerpt: Option<String>,
    /// False once the post or comment was deleted (by its author, or by a
    /// moderator); always true for an account.
    pub exists: bool,
    /// Whether the account is suspended right now.
    pub account_suspended: bool,
}

/// A report, as its reporter gets it back and as moderators list it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Report {
    pub id: ReportId,
    pub reporter: ShortUser,
    pub target: ReportTarget,
    pub reason: ReportReason,
    /// The reporter's words, possibly empty.
    pub note: String,
    pub status: ReportStatus,
    pub created_at: Timestamp,
}

/// An account as moderation sees it: its role and whether it is suspended.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AccountStatus {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    /// When the current suspension began; `null` when not suspended.
    pub suspended_at: Option<Timestamp>,
}

/// What a moderator acted on, as the log names it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ActionTarget {
    pub kind: TargetKind,
    pub id: i64,
}

/// One entry of the moderation log: who did what, to what, when and why.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ModerationAction {
    pub id: ActionId,
    pub action: Action,
    pub moderator: ShortUser,
    pub target: ActionTarget,
    /// The account concerned (the content's author, or the account itself).
    pub account: ShortUser,
    /// The report this resolved, for `dismiss`, `remove_content` and
    /// `suspend_account` taken on a report.
    pub report_id: Option<ReportId>,
    pub reason: String,
    pub created_at: Timestamp,
}

/// What a report names, as the reporter sent it (validated, not yet found).
#[derive(Clone, Debug)]
pub enum TargetRef {
    Post(super::ids::PostId),
    Comment(super::ids::CommentId),
    /// A user by numeric id.
    UserId(UserId),
    /// A user by username, as paths name them.
    Username(super::fields::Username),
}
