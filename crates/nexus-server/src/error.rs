//! The error policy of the HTTP layer.
//!
//! Every failure a client sees is `{"error": {"code": "...", "message": "..."}}` with a
//! status that says whose fault it is: 4xx when the request is wrong (and the message says
//! what and where), 5xx when we are. 5xx details stay in the log, logged once here; the
//! client gets a generic message, never SQL or paths.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use nexus_store::StoreError;
use serde_json::json;

/// An error on its way to becoming an HTTP response.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code (`not_found`, `bad_request`, …).
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
    /// Extra members of the body (an ingest report, say).
    pub details: Option<Box<(&'static str, serde_json::Value)>>,
    /// Seconds to wait before trying again (429 and 503).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// A copy of an error that several requests waited on together (a shared cache miss).
    pub fn shared(e: &ApiError) -> ApiError {
        ApiError {
            status: e.status,
            code: e.code,
            message: e.message.clone(),
            details: e.details.clone(),
            retry_after: e.retry_after,
        }
    }

    /// 404 with a message.
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 400 with a message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 403 with a message: the caller's roles do not allow it.
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 503: the database is not answering.
    pub fn unavailable() -> Self {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the database is not available; try again shortly",
        )
    }

    /// Any status with a code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), details: None, retry_after: None }
    }

    /// 500, with the cause logged here and hidden from the client.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; it has been logged")
    }
}

impl From<&StoreError> for ApiError {
    fn from(e: &StoreError) -> Self {
        match e {
            StoreError::Pool(_) | StoreError::Connect { .. } => {
                tracing::error!(error = %e, "database unavailable");
                ApiError::unavailable()
            }
            StoreError::Busy { .. } => {
                tracing::warn!(error = %e, "database busy");
                ApiError {
                    retry_after: Some(2),
                    ..ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "busy",
                        "the database is busy and this took too long; try again shortly",
                    )
                }
            }
            StoreError::Invalid(message) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message.clone()),
            StoreError::Forbidden(message) => ApiError::forbidden(message.clone()),
            StoreError::Filter(message) => ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message.clone()),
            StoreError::Deleted(message) => ApiError::new(StatusCode::CONFLICT, "deleted", message.clone()),
            other => ApiError::internal(other),
        }
    }
}

impl From<nexus_service::accounts::AccountError> for ApiError {
    fn from(e: nexus_service::accounts::AccountError) -> Self {
        use nexus_service::accounts::AccountError as E;
        match e {
            E::Unauthorized(m) => ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m),
            E::Forbidden(m) => ApiError::forbidden(m),
            E::Throttled(secs) => ApiError {
                retry_after: Some(secs),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "throttled", e.to_string())
            },
            E::Invalid(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m),
            E::Store(s) => ApiError::from(&s),
        }
    }
}

impl From<nexus_core::QueryError> for ApiError {
    fn from(e: nexus_core::QueryError) -> Self {
        ApiError::bad_request(e.0)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::from(&e)
    }
}

impl From<std::sync::Arc<StoreError>> for ApiError {
    fn from(e: std::sync::Arc<StoreError>) -> Self {
        ApiError::from(&*e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": { "code": self.code, "message": self.message } });
        if let (Some(details), Some(map)) = (self.details, body.as_object_mut()) {
            let (key, value) = *details;
            map.insert(key.to_owned(), value);
        }
        let mut res = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"nexus-atlas\""));
        }
        res
    }
}
