//! `GET /health`: is the service up, and what database is behind it.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

/// 200 with versions when the database answers; 503 when it does not, so load balancers
/// and `scripts/run` can wait on it.
async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let no_cache = [(header::CACHE_CONTROL, "no-cache")];
    match state.store.database_info().await {
        Ok(db) => {
            let mut body = json!({
                "status": "ok",
                "service": "nexus-atlas",
                "version": env!("CARGO_PKG_VERSION"),
                "database": db,
            });
            if state.store.has_replicas() {
                // Which server answered requests' reads: replicas as they were at their last poll.
                let (replicas, primary) = state.store.read_status();
                body["reads"] = json!({ "primary": primary, "replicas": replicas });
            }
            (StatusCode::OK, no_cache, Json(body))
        }
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                no_cache,
                Json(json!({ "status": "unavailable", "service": "nexus-atlas", "error": "database not reachable" })),
            )
        }
    }
}
