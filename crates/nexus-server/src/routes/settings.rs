//! `GET /api/settings`: what the web map needs to know of this server's configuration — the
//! basemap, if one is configured, that planners sign in here (with accounts, always), and
//! whether the legacy shared token is configured.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::state::{AppState, Basemap};

/// The answer of `GET /api/settings`.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Settings {
    /// The raster basemap under the atlas's layers, if one is configured.
    pub basemap: Option<Basemap>,
    /// Whether planners sign in here (always, on a server; a static site says no).
    pub planners: bool,
    /// Whether the legacy shared planner token is configured.
    pub legacy_token: bool,
    /// The largest upload accepted, in MiB.
    #[ts(type = "number")]
    pub max_upload_mb: u64,
}

pub fn router() -> Router<AppState> {
    Router::new().route("/settings", get(settings))
}

async fn settings(State(state): State<AppState>) -> Json<Settings> {
    Json(Settings {
        basemap: state.config.basemap.clone(),
        planners: true,
        legacy_token: state.config.planner_token.is_some(),
        max_upload_mb: state.config.max_upload_bytes >> 20,
    })
}
