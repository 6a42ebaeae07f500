//! `GET /api/settings`: what the web map needs to know of this server's configuration — the
//! basemap, if one is configured, and whether planners can sign in here at all.

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
        "planners": state.config.planner_token.is_some(),
        "max_upload_mb": state.config.max_upload_bytes >> 20,
    }))
}
