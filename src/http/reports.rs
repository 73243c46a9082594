//! `POST /api/reports`: anyone signed in reports a post, comment or account.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::auth::AuthUser;
use crate::domain::error::{ApiError, ApiResult, ErrorBody};
use crate::domain::fields::{self, Username};
use crate::domain::ids::{CommentId, PostId, UserId};
use crate::domain::moderation::{Report, ReportReason, TargetKind, TargetRef, NOTE_MAX};
use crate::http::extract::Json;
use crate::http::state::AppState;
use crate::services::moderation;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_report))
}

#[derive(Deserialize, ToSchema)]
pub struct ReportRequest {
    target: TargetRequest,
    reason: ReportReason,
    /// Optional words for the moderators: at most 500 characters; may span lines.
    #[schema(
        max_length = 500,
        pattern = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*$"
    )]
    note: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct TargetRequest {
    kind: TargetKind,
    /// The post's or comment's numeric id; for a user, their username (as
    /// paths name users) or their numeric `id`.
    #[schema(schema_with = target_id_schema)]
    id: serde_json::Value,
}

fn target_id_schema() -> impl Into<RefOr<Schema>> {
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
        )
        .item(ObjectBuilder::new().schema_type(Type::String))
}

impl TargetRequest {
    /// What the target names. An id no target could have (a name for a
    /// post, a malformed username) finds nothing: a 404, as in paths.
    fn parse(&self) -> ApiResult<TargetRef> {
        let nothing = |kind: TargetKind| {
            ApiError::not_found(match kind {
                TargetKind::Post => "post",
                TargetKind::Comment => "comment",
                TargetKind::User => "user",
            })
        };
        match (&self.id, self.kind) {
            (serde_json::Value::Number(number), kind) => {
                let id = fields::whole_number("target.id", number)?;
                Ok(match kind {
                    TargetKind::Post => TargetRef::Post(PostId(id)),
                    TargetKind::Comment => TargetRef::Comment(CommentId(id)),
                    TargetKind::User => TargetRef::UserId(UserId(id)),
                })
            }
            (serde_json::Value::String(name), TargetKind::User) => Username::parse(name)
                .map(TargetRef::Username)
                .map_err(|_| nothing(TargetKind::User)),
            (serde_json::Value::String(_), kind) => Err(nothing(kind)),
            _ => Err(ApiError::invalid(
                "target.id",
                "must be a number, or a username for a user",
            )),
        }
    }
}

/// Reports a post, comment or account to the moderators. At most one open
/// report per reporter and target; the reported account is never told.
#[utoipa::path(
    post,
    path = "/api/reports",
    tag = "reports",
    request_body = ReportRequest,
    responses(
        (status = 201, description = "Filed; moderators are notified", body = Report),
        (status = 400, description = "Invalid input, or reporting yourself or your own content (`cannot_report_self`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such target, or one you may not see", body = ErrorBody),
        (status = 409, description = "You already have an open report of this target (`already_reported`)", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 429, description = "Too many writes from this account; see Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn create_report(
    State(state): State<AppState>,
    me: AuthUser,
    Json(request): Json<ReportRequest>,
) -> ApiResult<(StatusCode, Json<Report>)> {
    state.limits.write(me.id).await?;
    let target = request.target.parse()?;
    let note = match request.note.as_deref() {
        Some(note) => fields::text("note", note, NOTE_MAX, true)?,
        None => String::new(),
    };
    let report =
        moderation::report(&state.services(), me.id, &target, request.reason, &note).await?;
    Ok((StatusCode::CREATED, Json(report)))
}
