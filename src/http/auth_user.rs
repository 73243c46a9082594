//! `Authorization: Bearer <jwt>` → the signed-in user, as an extractor:
//! a route that takes an `AuthUser` answers 401 to anyone else.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;

use crate::domain::auth::{AuthUser, Credentials, VerifyToken};
use crate::domain::error::ApiError;
use crate::domain::ids::UserId;
use crate::http::state::AppState;

/// Reads and checks `Authorization: Bearer <token>`, if there is one.
pub fn bearer(
    headers: &HeaderMap,
    verifier: &dyn VerifyToken,
) -> Result<Option<Credentials>, ApiError> {
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
    verifier
        .verify(token)
        .map(Some)
        .ok_or_else(|| ApiError::unauthorized("the access token is invalid, expired or signed out"))
}

fn caller(parts: &Parts, state: &AppState) -> Result<Option<AuthUser>, ApiError> {
    Ok(bearer(&parts.headers, &state.verifier)?.map(|credentials| credentials.user))
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        caller(parts, state)?
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
        caller(parts, state)
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
