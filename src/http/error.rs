//! Errors as HTTP responses: each [`Fault`] is one status code, every body
//! is the contract's `{"error": {"code", "message"}}`, and axum's own
//! rejections become the same JSON errors.

use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::domain::error::{ApiError, ErrorBody, ErrorDetail, Fault};

/// The status code an error is answered with.
pub fn status_of(error: &ApiError) -> StatusCode {
    match error {
        ApiError::Client { fault, .. } => status(*fault),
        ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn status(fault: Fault) -> StatusCode {
    match fault {
        Fault::BadRequest => StatusCode::BAD_REQUEST,
        Fault::Unauthorized => StatusCode::UNAUTHORIZED,
        Fault::Forbidden => StatusCode::FORBIDDEN,
        Fault::NotFound => StatusCode::NOT_FOUND,
        Fault::Conflict => StatusCode::CONFLICT,
        Fault::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Fault::UnsupportedMedia => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Fault::UpgradeRequired => StatusCode::UPGRADE_REQUIRED,
    }
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
                fault,
                code,
                message,
            } => error_response(status(fault), code, &message),
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

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => Self::new(
                Fault::BadRequest,
                "invalid_input",
                // serde's own words name the field: "missing field `password`".
                innermost_message(&e),
            ),
            JsonRejection::JsonSyntaxError(_) => {
                Self::bad_request("malformed_json", "the request body is not valid JSON")
            }
            JsonRejection::MissingJsonContentType(_) => Self::new(
                Fault::UnsupportedMedia,
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

impl From<WebSocketUpgradeRejection> for ApiError {
    fn from(rejection: WebSocketUpgradeRejection) -> Self {
        // A plain GET (or another method) gets 400; a connection that cannot
        // be upgraded gets 426.
        let fault = if rejection.status() == StatusCode::UPGRADE_REQUIRED {
            Fault::UpgradeRequired
        } else {
            Fault::BadRequest
        };
        Self::new(
            fault,
            "websocket_required",
            "this endpoint only speaks WebSocket",
        )
    }
}

fn innermost_message(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}
