//! `/api/admin`: the moderators' reports queue and account suspensions, and
//! the admins' moderator roles and moderation log. Every route answers 401
//! to a signed-out caller and 403 `forbidden` to anyone without the role,
//! before it looks at anything else in the request.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::auth::AuthUser;
use crate::domain::error::{ApiError, ApiResult, ErrorBody};
use crate::domain::fields;
use crate::domain::ids::ReportId;
use crate::domain::moderation::{
    AccountStatus, ModerationAction, Report, Resolution, Role, REASON_MAX,
};
use crate::domain::pagination::{Page, PageQuery};
use crate::http::extract::{Json, Path, Query};
use crate::http::state::AppState;
use crate::http::users::account_id_by_username;
use crate::services::moderation;
use crate::store;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(open_reports))
        .routes(routes!(resolve_report))
        .routes(routes!(suspend, unsuspend))
        .routes(routes!(grant_moderator, revoke_moderator))
        .routes(routes!(actions))
}

/// A signed-in moderator or admin.
pub struct Moderator(AuthUser);

/// A signed-in admin.
pub struct Admin(AuthUser);

/// The caller, if their role passes `allowed`: 401 signed out, 403 else.
async fn staff(
    parts: &mut Parts,
    state: &AppState,
    allowed: fn(Role) -> bool,
    message: &'static str,
) -> ApiResult<AuthUser> {
    let me = <AuthUser as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
    match store::moderation::role_of(&state.db, me.id).await? {
        Some(role) if allowed(role) => Ok(me),
        _ => Err(ApiError::forbidden(message)),
    }
}

impl FromRequestParts<AppState> for Moderator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        staff(parts, state, Role::moderates, "only moderators may do this")
            .await
            .map(Self)
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        staff(
            parts,
            state,
            |role| role == Role::Admin,
            "only admins may do this",
        )
        .await
        .map(Self)
    }
}

/// Why a moderator acts: 1–500 characters, not all white space.
fn reason(raw: &str) -> ApiResult<String> {
    let reason = fields::text("reason", raw, REASON_MAX, true)?;
    if reason.is_empty() {
        return Err(ApiError::invalid("reason", "must not be empty"));
    }
    Ok(reason)
}

/// The open reports, oldest first (the longest waiting on top), each with
/// its reporter and a summary of the target.
#[utoipa::path(
    get,
    path = "/api/admin/reports",
    tag = "admin",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of open reports", body = Page<Report>),
        (status = 400, description = "Invalid limit or cursor", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a moderator or admin", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn open_reports(
    State(state): State<AppState>,
    _: Moderator,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<Report>>> {
    let page = page.parse()?;
    Ok(Json(
        store::moderation::open_reports(&state.db, state.urls(), &page).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ResolveRequest {
    action: Resolution,
    /// Why, for the log: 1–500 characters, not all white space; may span lines.
    #[schema(
        max_length = 500,
        pattern = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*$"
    )]
    reason: String,
}

/// Resolves a report: `dismiss` changes nothing, `remove_content` deletes
/// the post or comment, `suspend_account` suspends whose it is. Every open
/// report on the same target closes with it; the action is logged.
#[utoipa::path(
    post,
    path = "/api/admin/reports/{id}/resolve",
    tag = "admin",
    params(("id" = i64, Path, description = "Report id")),
    request_body = ResolveRequest,
    responses(
        (status = 200, description = "The report, now resolved", body = Report),
        (status = 400, description = "Invalid input, or `remove_content` on an account (`invalid_action`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a moderator or admin", body = ErrorBody),
        (status = 404, description = "No such report", body = ErrorBody),
        (status = 409, description = "Already resolved (`already_resolved`), the content is gone (`content_gone`), or the account is a moderator or admin (`cannot_suspend_staff`)", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn resolve_report(
    State(state): State<AppState>,
    Moderator(me): Moderator,
    Path(id): Path<ReportId>,
    Json(request): Json<ResolveRequest>,
) -> ApiResult<Json<Report>> {
    let reason = reason(&request.reason)?;
    let report = moderation::resolve(&state.services(), me.id, id, request.action, &reason).await?;
    Ok(Json(report))
}

#[derive(Deserialize, ToSchema)]
pub struct SuspendRequest {
    /// Why, for the log: 1–500 characters, not all white space; may span lines.
    #[schema(
        max_length = 500,
        pattern = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*$"
    )]
    reason: String,
}

/// Suspends an account (idempotent): its sessions end and its sockets
/// close, it cannot sign in, and its profile and content are hidden from
/// everyone until the suspension is lifted.
#[utoipa::path(
    put,
    path = "/api/admin/users/{username}/suspension",
    tag = "admin",
    params(("username" = String, Path, description = "Who to suspend")),
    request_body = SuspendRequest,
    responses(
        (status = 200, description = "The account, suspended", body = AccountStatus),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a moderator or admin", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "The account is a moderator or admin (`cannot_suspend_staff`)", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn suspend(
    State(state): State<AppState>,
    Moderator(me): Moderator,
    Path(username): Path<String>,
    Json(request): Json<SuspendRequest>,
) -> ApiResult<Json<AccountStatus>> {
    let reason = reason(&request.reason)?;
    let account = account_id_by_username(&state.db, &username).await?;
    let status =
        moderation::set_suspension(&state.services(), me.id, account, true, &reason).await?;
    Ok(Json(status))
}

/// Lifts a suspension (idempotent): the account and everything it
/// published are visible again; nothing was deleted.
#[utoipa::path(
    delete,
    path = "/api/admin/users/{username}/suspension",
    tag = "admin",
    params(("username" = String, Path, description = "Who to reinstate")),
    responses(
        (status = 200, description = "The account, no longer suspended", body = AccountStatus),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a moderator or admin", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn unsuspend(
    State(state): State<AppState>,
    Moderator(me): Moderator,
    Path(username): Path<String>,
) -> ApiResult<Json<AccountStatus>> {
    let account = account_id_by_username(&state.db, &username).await?;
    let status = moderation::set_suspension(&state.services(), me.id, account, false, "").await?;
    Ok(Json(status))
}

/// Makes an account a moderator (idempotent; an admin stays an admin).
#[utoipa::path(
    put,
    path = "/api/admin/moderators/{username}",
    tag = "admin",
    params(("username" = String, Path, description = "Who to make a moderator")),
    responses(
        (status = 200, description = "The account with its role", body = AccountStatus),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn grant_moderator(
    State(state): State<AppState>,
    Admin(me): Admin,
    Path(username): Path<String>,
) -> ApiResult<Json<AccountStatus>> {
    let account = account_id_by_username(&state.db, &username).await?;
    let status = moderation::set_moderator(&state.services(), me.id, account, true).await?;
    Ok(Json(status))
}

/// Takes the moderator role back (idempotent); admins keep theirs.
#[utoipa::path(
    delete,
    path = "/api/admin/moderators/{username}",
    tag = "admin",
    params(("username" = String, Path, description = "Who stops being a moderator")),
    responses(
        (status = 200, description = "The account with its role", body = AccountStatus),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "The account is an admin (`cannot_revoke_admin`)", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn revoke_moderator(
    State(state): State<AppState>,
    Admin(me): Admin,
    Path(username): Path<String>,
) -> ApiResult<Json<AccountStatus>> {
    let account = account_id_by_username(&state.db, &username).await?;
    let status = moderation::set_moderator(&state.services(), me.id, account, false).await?;
    Ok(Json(status))
}

/// The moderation log, newest first: who did what, to what, when and why.
#[utoipa::path(
    get,
    path = "/api/admin/actions",
    tag = "admin",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of moderator actions", body = Page<ModerationAction>),
        (status = 400, description = "Invalid limit or cursor", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn actions(
    State(state): State<AppState>,
    _: Admin,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Page<ModerationAction>>> {
    let page = page.parse()?;
    Ok(Json(
        store::moderation::actions(&state.db, state.urls(), &page).await?,
    ))
}
