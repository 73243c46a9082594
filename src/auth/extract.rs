//! `Authorization: Bearer <jwt>` → the signed-in user.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::domain::error::ApiError;
use crate::domain::ids::{SessionId, UserId};
use crate::state::AppState;

/// The caller, proven by a valid access token. Using it as an extractor
/// makes a route answer 401 to anyone else.
#[derive(Clone, Copy, Debug)]
pub struct AuthUser {
    pub id: UserId,
    pub session: SessionId,
}

impl AuthUser {
    /// Reads and checks the bearer token of a request, if it has one.
    pub fn from_headers(
        headers: &axum::http::HeaderMap,
        state: &AppState,
    ) -> Result<Option<Self>, ApiError> {
        let Some(value) = headers.get(AUTHORIZATION) else {
            return Ok(None);
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or_else(|| {
                ApiError::unauthorized("the Authorization header must be 'Bearer <token>'")
            })?;
        state
            .tokens
            .verify(token)
            .and_then(|claims| {
                Some(Self {
                    id: claims.user_id()?,
                    session: claims.session_id(),
                })
            })
            .map(Some)
            .ok_or_else(|| ApiError::unauthorized("the access token is invalid or expired"))
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Self::from_headers(&parts.headers, state)?
            .ok_or_else(|| ApiError::unauthorized("sign in first: no access token was sent"))
    }
}

/// For routes that anyone may call but that say more to a signed-in caller.
/// A token that is present but invalid is still a 401, never ignored.
impl OptionalFromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        Self::from_headers(&parts.headers, state)
    }
}

/// Convenience for handlers: the viewer's id, if signed in.
pub trait MaybeAuthUser {
    fn user_id(&self) -> Option<UserId>;
}

impl MaybeAuthUser for Option<AuthUser> {
    fn user_id(&self) -> Option<UserId> {
        self.map(|user| user.id)
    }
}
