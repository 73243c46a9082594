//! The one error type of the API and the one place errors become responses.
//!
//! Handlers return `Result<_, ApiError>`. Client mistakes carry a status, a
//! stable snake_case code and a readable message; anything unexpected is an
//! `Internal` error that is logged with its cause chain and answered with a
//! bare 500 that reveals nothing.

use std::borrow::Cow;
use std::time::Duration;

use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

pub type ApiResult<T> = Result<T, ApiError>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A client mistake, answered as it is.
    #[error("{message}")]
    Client {
        status: StatusCode,
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
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self::Client {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 for a field that failed validation; the message names the field.
    pub fn invalid(field: &str, problem: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            format!("{field}: {problem}"),
        )
    }

    pub fn bad_request(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    pub fn conflict(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn too_large(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
    }

    pub fn unsupported_media(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            message,
        )
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Client { status, .. } => *status,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
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

/// Builds the JSON error response; also used by middleware outside handlers.
pub fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code: code.to_owned(),
            message: message.to_owned(),
        },
    };
    (status, axum::Json(body)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Client {
                status,
                code,
                message,
            } => error_response(status, code, &message),
            Self::RateLimited { retry_after } => {
                let mut response = error_response(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    "too many requests; try again later",
                );
                let seconds = retry_after.as_secs_f64().ceil().max(1.0) as u64;
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
                response
            }
            Self::Unavailable(cause) => {
                tracing::warn!(error = format!("{cause:#}"), "dependency unavailable");
                let mut response = error_response(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the service is temporarily unavailable; try again shortly",
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                response
            }
            Self::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "internal error");
                error_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "something went wrong on our side",
                )
            }
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        if is_unavailable(&err) {
            // The database is down, restarting or overloaded: the client may retry.
            Self::Unavailable(err.into())
        } else {
            Self::Internal(anyhow::Error::new(err).context("database query failed"))
        }
    }
}

/// True for failures of the database rather than of the query: no
/// connection to be had, a connection cut, a server shutting down or
/// starting up, SQLite busy beyond its timeout.
fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // PostgreSQL: class 08 (connection exception), 57P01–57P03
            // (terminated by an administrator, crash shutdown, cannot connect
            // now). SQLite: SQLITE_BUSY and its extended codes.
            code.starts_with("08")
                || matches!(
                    code.as_ref(),
                    "57P01" | "57P02" | "57P03" | "5" | "261" | "517"
                )
        }),
        _ => false,
    }
}

/// True when a write failed on a unique constraint; `column_hint` narrows it
/// to the constraint or column whose name contains the hint.
pub fn is_unique_violation(err: &sqlx::Error, column_hint: &str) -> bool {
    let sqlx::Error::Database(db) = err else {
        return false;
    };
    // PostgreSQL names the constraint; SQLite names the column in the message.
    db.is_unique_violation()
        && (db.constraint().is_some_and(|c| c.contains(column_hint))
            || db.message().contains(column_hint))
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => Self::new(
                StatusCode::BAD_REQUEST,
                "invalid_input",
                // serde's own words name the field: "missing field `password`".
                innermost_message(&e),
            ),
            JsonRejection::JsonSyntaxError(_) => {
                Self::bad_request("malformed_json", "the request body is not valid JSON")
            }
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "expected Content-Type: application/json",
            ),
            JsonRejection::BytesRejection(_) => Self::too_large("the request body is too large"),
            other => Self::bad_request("bad_request", other.body_text()),
        }
    }
}

impl From<MultipartRejection> for ApiError {
    fn from(rejection: MultipartRejection) -> Self {
        match rejection {
            MultipartRejection::InvalidBoundary(_) => Self::unsupported_media(
                "expected Content-Type: multipart/form-data with a boundary",
            ),
            other => Self::bad_request("invalid_multipart", other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::bad_request("invalid_input", innermost_message(&rejection))
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        match rejection {
            // An id that is not a number cannot name anything that exists.
            PathRejection::FailedToDeserializePathParams(_) => Self::not_found("resource"),
            other => Self::Internal(anyhow::anyhow!("path extraction failed: {other}")),
        }
    }
}

fn innermost_message(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}
