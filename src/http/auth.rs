//! Sign-up, sign-in, token refresh and sign-out.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::error::{ApiError, ApiResult, ErrorBody, Fault};
use crate::domain::fields::{self, Email, NewPassword, Username};
use crate::domain::ids::UserId;
use crate::domain::User;
use crate::http::extract::Json;
use crate::http::limits::ClientIp;
use crate::http::origin;
use crate::http::state::AppState;
use crate::services::auth::{IssuedSession, RefreshOutcome};
use crate::store::moderation;
use crate::store::users::{self, Taken};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
}

const REFRESH_COOKIE: &str = "refresh_token";

/// The patterns spell out what `fields` accepts: surrounding white space is
/// trimmed, control characters are refused.
#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// 3–30 characters of a-z, 0-9, `_` and `.`; stored lower case.
    #[schema(
        pattern = "^[\\t-\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*[A-Za-z0-9_.]{3,30}[\\t-\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*$"
    )]
    username: String,
    /// At most 254 bytes, 64 before the `@`; the domain has a dot.
    #[schema(
        max_length = 254,
        pattern = "^[\\t-\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000@]{1,64}@[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000@.][^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000@]*\\.[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000@]*[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000@.][\\t-\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*$"
    )]
    email: String,
    /// 8–72 bytes (bcrypt reads no more).
    #[schema(min_length = 8, max_length = 72)]
    password: String,
    /// At most 50 characters; defaults to the username.
    #[schema(max_length = 50, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    display_name: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// A username or an e-mail address.
    login: String,
    password: String,
}

/// Optional: browsers send the refresh token as a cookie instead.
#[derive(Deserialize, ToSchema)]
pub struct RefreshRequest {
    refresh_token: Option<String>,
}

/// A signed-in session.
#[derive(Serialize, ToSchema)]
pub struct AuthResponse {
    pub user: User,
    /// A short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until `access_token` expires.
    pub expires_in: u64,
    /// Single-use; trade it at `/api/auth/refresh` for a new pair.
    pub refresh_token: String,
}

/// Creates an account and signs it in.
#[utoipa::path(
    post,
    path = "/api/auth/register",
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created and signed in", body = AuthResponse),
        (status = 400, description = "Invalid or malformed input; the message names the field", body = ErrorBody),
        (status = 409, description = "Username or e-mail already taken", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 429, description = "Too many attempts from this address; see Retry-After", body = ErrorBody),
    ),
)]
async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(request): Json<RegisterRequest>,
) -> ApiResult<Response> {
    state.limits.auth_attempt(ip).await?;
    let username = Username::parse(&request.username)?;
    let email = Email::parse(&request.email)?;
    let password = NewPassword::parse(request.password)?;
    let display_name = match request.display_name.as_deref() {
        Some(name) => fields::text("display_name", name, fields::DISPLAY_NAME_MAX, false)?,
        None => String::new(),
    };
    let display_name = if display_name.is_empty() {
        username.as_str().to_owned()
    } else {
        display_name
    };

    // Cheap check first, so a taken name costs no bcrypt round; the unique
    // constraints below still settle races.
    let (name_taken, email_taken) =
        users::names_taken(&state.db, &username, email.as_str()).await?;
    if name_taken {
        return Err(username_taken());
    }
    if email_taken {
        return Err(email_taken_error());
    }

    let password_hash = state.passwords.hash(password).await?;
    let created = users::create(
        &state.db,
        &username,
        email.as_str(),
        &password_hash,
        &display_name,
    )
    .await?;
    let user_id = match created {
        Ok(id) => id,
        Err(Taken::Username) => return Err(username_taken()),
        Err(Taken::Email) => return Err(email_taken_error()),
    };
    // ADMIN_USERNAMES may name an account before it exists.
    if state
        .config
        .admin_usernames
        .iter()
        .any(|name| name == username.as_str())
    {
        moderation::promote_admins(&state.db, std::slice::from_ref(&username)).await?;
    }

    let session = state.sessions.open(user_id).await?;
    signed_in(&state, &headers, session, StatusCode::CREATED).await
}

fn username_taken() -> ApiError {
    ApiError::conflict("username_taken", "username: this username is already taken")
}

fn email_taken_error() -> ApiError {
    ApiError::conflict(
        "email_taken",
        "email: an account with this e-mail already exists",
    )
}

/// Signs in with a username or e-mail and a password.
#[utoipa::path(
    post,
    path = "/api/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = AuthResponse),
        (status = 400, description = "Malformed input", body = ErrorBody),
        (status = 401, description = "Wrong login or password (the same answer for both)", body = ErrorBody),
        (status = 403, description = "The account is suspended (`account_suspended`; only with the right password)", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 429, description = "Too many attempts from this address or on this account; see Retry-After", body = ErrorBody),
    ),
)]
async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(request): Json<LoginRequest>,
) -> ApiResult<Response> {
    state.limits.auth_attempt(ip).await?;
    let login = request.login.trim().to_lowercase();
    // No username or e-mail holds a control character (and PostgreSQL
    // refuses a NUL in a query), so such a login finds nobody.
    let account: Option<(UserId, String)> = if login.chars().any(char::is_control) {
        None
    } else {
        users::password_hash_by_login(&state.db, &login).await?
    };
    // Failures count against the login as typed, whichever address they
    // come from. Keying them on the account instead would let anyone who
    // locks a username learn its e-mail: only that e-mail would then answer
    // 429. A locked login answers 429 only to whoever failed on that very
    // login; the other login of the same account keeps its own count.
    let account_key = format!("login:{login}");
    state.limits.login_allowed(&account_key).await?;
    // One bcrypt verification whatever happens, so timing tells nothing.
    let (user_id, hash) = account.unzip();
    let password_fits = request.password.len() <= NewPassword::MAX_BYTES;
    let verified = state.passwords.verify(request.password, hash).await? && password_fits;
    let user_id = match user_id {
        Some(id) if verified => id,
        _ => {
            state.limits.login_failed(&account_key).await;
            return Err(ApiError::unauthorized("wrong login or password"));
        }
    };
    state.limits.login_succeeded(&account_key).await;
    // Told only to whoever knows the password.
    if moderation::is_suspended(&state.db, user_id).await? {
        return Err(ApiError::new(
            Fault::Forbidden,
            "account_suspended",
            "this account is suspended",
        ));
    }
    let session = state.sessions.open(user_id).await?;
    signed_in(&state, &headers, session, StatusCode::OK).await
}

/// Trades a refresh token for a new access token and refresh token.
#[utoipa::path(
    post,
    path = "/api/auth/refresh",
    tag = "auth",
    request_body(content = Option<RefreshRequest>, description = "Omit when the refresh cookie is sent"),
    responses(
        (status = 200, description = "A fresh pair; the old refresh token is spent", body = AuthResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Unknown, expired, revoked or already spent refresh token; a spent one also revokes its session, whose access tokens are refused from then on and whose live sockets close with 4401", body = ErrorBody),
        (status = 403, description = "The token came in the cookie from a page of a foreign origin", body = ErrorBody),
        (status = 429, description = "Too many attempts from this address; see Retry-After", body = ErrorBody),
    ),
)]
async fn refresh(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    state.limits.auth_attempt(ip).await?;
    let token = presented_refresh_token(&state, &headers, &body)?;
    match state.sessions.refresh(&token).await? {
        RefreshOutcome::Refreshed(session) => {
            signed_in(&state, &headers, session, StatusCode::OK).await
        }
        RefreshOutcome::Reused(user, session) => {
            state.broker.session_revoked(user, session);
            Err(ApiError::unauthorized(
                "this refresh token was already used; the session has been signed out",
            ))
        }
        RefreshOutcome::Invalid => Err(ApiError::unauthorized(
            "the refresh token is invalid, expired or revoked",
        )),
    }
}

/// Signs a session out: its refresh token stops working, its access tokens
/// are refused from now on (`401`), and its live sockets close with 4401.
#[utoipa::path(
    post,
    path = "/api/auth/logout",
    tag = "auth",
    request_body(content = Option<RefreshRequest>, description = "Omit when the refresh cookie is sent"),
    responses(
        (status = 204, description = "Signed out (also when the token was already unknown)"),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "No refresh token was sent", body = ErrorBody),
        (status = 403, description = "The token came in the cookie from a page of a foreign origin", body = ErrorBody),
        (status = 429, description = "Too many attempts from this address; see Retry-After", body = ErrorBody),
    ),
)]
async fn logout(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    state.limits.auth_attempt(ip).await?;
    let token = presented_refresh_token(&state, &headers, &body)?;
    if let Some((user, session)) = state.sessions.revoke_by_token(&token).await? {
        state.broker.session_revoked(user, session);
    }
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(header::SET_COOKIE, clear_cookie())]),
    )
        .into_response())
}

/// The answer to a successful sign-in: tokens in the body and the refresh
/// token again as an HttpOnly cookie.
async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
    session: IssuedSession,
    status: StatusCode,
) -> ApiResult<Response> {
    let user = users::own_account(&state.db, state.urls(), session.user_id).await?;
    let access_token = state.tokens.issue(session.user_id, session.session_id)?;
    let cookie = refresh_cookie(
        &session.refresh_token,
        state.sessions.ttl().as_secs(),
        served_over_https(headers),
    )?;
    let body = AuthResponse {
        user,
        access_token,
        token_type: "Bearer",
        expires_in: state.tokens.ttl().as_secs(),
        refresh_token: session.refresh_token,
    };
    Ok((
        status,
        AppendHeaders([(header::SET_COOKIE, cookie)]),
        Json(body),
    )
        .into_response())
}

/// The refresh token of a refresh or sign-out. One that came in the cookie
/// (which the browser attached by itself) counts only from our own origin
/// or a configured one, so a page elsewhere on the same site cannot rotate or
/// end someone's session.
fn presented_refresh_token(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> ApiResult<String> {
    match refresh_token_from(headers, body)? {
        Some(Presented::Body(token)) => Ok(token),
        Some(Presented::Cookie(token)) if origin::allowed(headers, &state.config) => Ok(token),
        Some(Presented::Cookie(_)) => Err(ApiError::forbidden(
            "the refresh cookie may not be used from this origin",
        )),
        None => Err(ApiError::unauthorized("no refresh token was sent")),
    }
}

enum Presented {
    Body(String),
    Cookie(String),
}

/// The refresh token from a JSON body, else from the cookie. An empty body,
/// `null`, and a missing, null or empty `refresh_token` all defer to the cookie.
fn refresh_token_from(headers: &HeaderMap, body: &[u8]) -> ApiResult<Option<Presented>> {
    if !body.iter().all(u8::is_ascii_whitespace) {
        let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| {
            ApiError::bad_request("malformed_json", "the request body is not valid JSON")
        })?;
        let request: Option<RefreshRequest> = match value {
            serde_json::Value::Null => None,
            object @ serde_json::Value::Object(_) => Some(
                serde_json::from_value(object)
                    .map_err(|_| ApiError::invalid("refresh_token", "must be a string"))?,
            ),
            _ => {
                return Err(ApiError::bad_request(
                    "invalid_input",
                    "the request body must be a JSON object",
                ))
            }
        };
        if let Some(token) = request
            .and_then(|r| r.refresh_token)
            .filter(|t| !t.is_empty())
        {
            return Ok(Some(Presented::Body(token)));
        }
    }
    Ok(cookie_value(headers, REFRESH_COOKIE).map(Presented::Cookie))
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

/// Behind a TLS-terminating proxy the request says it came over HTTPS.
fn served_over_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
}

fn refresh_cookie(token: &str, max_age: u64, secure: bool) -> ApiResult<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{REFRESH_COOKIE}={token}; Path=/api/auth; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("building the refresh cookie")))
}

fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("refresh_token=; Path=/api/auth; HttpOnly; SameSite=Strict; Max-Age=0")
}
