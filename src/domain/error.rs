//! The one error type of the application, from validation to the store.
//!
//! Every layer returns `Result<_, ApiError>`. Client mistakes carry a
//! [`Fault`], a stable snake_case code and a readable message; anything
//! unexpected is an `Internal` error, logged with its cause chain and
//! answered with nothing internal. The HTTP layer (`http::error`) turns
//! each into a status code and the contract's JSON body.

use std::borrow::Cow;
use std::time::Duration;

use serde::Serialize;
use utoipa::ToSchema;

/// Which kind of client mistake an error is; each is one HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    TooLarge,
    UnsupportedMedia,
    /// A plain HTTP request where only a WebSocket upgrade is served.
    UpgradeRequired,
}

pub type ApiResult<T> = Result<T, ApiError>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A client mistake, answered as it is.
    #[error("{message}")]
    Client {
        fault: Fault,
        code: &'static str,
        message: Cow<'static, str>,
    },
    /// Too many requests; the client may try again after the delay.
    #[error("too many requests")]
    RateLimited { retry_after: Duration },
    /// The database or another dependency is unreachable right now.
    #[error("service unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    /// Our own fault. Logged in full, answered with nothing internal.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn new(fault: Fault, code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::Client {
            fault,
            code,
            message: message.into(),
        }
    }

    /// 400 for a field that failed validation; the message names the field.
    pub fn invalid(field: &str, problem: &str) -> Self {
        Self::new(
            Fault::BadRequest,
            "invalid_input",
            format!("{field}: {problem}"),
        )
    }

    pub fn bad_request(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Fault::BadRequest, code, message)
    }

    pub fn unauthorized(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Fault::Unauthorized, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Fault::Forbidden, "forbidden", message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(Fault::NotFound, "not_found", format!("{what} not found"))
    }

    pub fn conflict(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Fault::Conflict, code, message)
    }

    pub fn too_large(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Fault::TooLarge, "too_large", message)
    }

    pub fn unsupported_media(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Fault::UnsupportedMedia, "unsupported_media_type", message)
    }
}

/// The contract's error body: `{"error": {"code": …, "message": …}}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable, machine-readable reason in snake_case.
    pub code: String,
    /// A sentence for people; names the field for invalid input.
    pub message: String,
}
