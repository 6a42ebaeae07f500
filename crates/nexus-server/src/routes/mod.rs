//! Route modules; each exposes `router()` and [`api_router`] merges the `/api` ones.

pub mod cities;
pub mod health;

use axum::Router;

use crate::error::ApiError;
use crate::state::AppState;

/// Everything under `/api`, with a JSON 404 for unknown paths.
pub fn api_router() -> Router<AppState> {
    Router::new().merge(cities::router()).fallback(|| async { ApiError::not_found("no such API endpoint") })
}
