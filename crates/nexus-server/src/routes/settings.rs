//! `GET /api/settings`: what the web map needs to know of this server's configuration — the
//! basemap, if one is configured, that planners sign in here (with accounts, always), and
//! whether the legacy shared token is configured.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/settings", get(settings))
}

async fn settings(State(state): State<AppState>) -> Json<Value> {
    Json(json!({
        "basemap": state.config.basemap,
        "planners": true,
        "legacy_token": state.config.planner_token.is_some(),
        "max_upload_mb": state.config.max_upload_bytes >> 20,
    }))
}
