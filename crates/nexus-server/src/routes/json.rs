//! Request bodies as JSON: one reading, one error, for every endpoint that takes one.

use crate::error::ApiError;

/// A JSON body as the type an endpoint takes, or a 400 saying how it differs.
pub(super) fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("the body is not what this endpoint takes: {e}")))
}
