//! axum's extractors, with their rejections turned into the API's JSON errors.

use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::domain::error::ApiError;

/// A JSON body in, or a JSON body out.
///
/// A body must be a JSON object: serde would otherwise also build a struct
/// from an array of its field values in order (`["ana", "a@b.io", …]`), a
/// shape the API document does not describe.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(value) =
            axum::Json::<serde_json::Value>::from_request(request, state).await?;
        if !value.is_object() {
            return Err(ApiError::bad_request(
                "invalid_input",
                "the request body must be a JSON object",
            ));
        }
        // The error names the field: "username: invalid type: integer `7`…".
        serde_path_to_error::deserialize(value)
            .map(Json)
            .map_err(|e| ApiError::bad_request("invalid_input", e.to_string()))
    }
}

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Query-string parameters.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// Path parameters.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// A `multipart/form-data` body; anything else is a JSON 415.
pub struct Multipart(pub axum::extract::Multipart);

impl<S: Send + Sync> FromRequest<S> for Multipart {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        Ok(Self(
            axum::extract::Multipart::from_request(request, state).await?,
        ))
    }
}
