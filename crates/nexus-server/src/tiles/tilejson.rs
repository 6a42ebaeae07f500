//! TileJSON 3.0.0 for one source or several (`/tiles/a,b.json`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};

use axum::response::IntoResponse;
use axum::Json;
use nexus_core::Layer;
use nexus_service::tiles::describe;
use serde_json::{json, Value};

use super::sources::{resolve, version};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

use crate::links::base_url;

/// TileJSON describing `layers`.
pub fn document(base: &str, layers: &[Arc<Layer>]) -> Value {
    let names: Vec<&str> = layers.iter().map(|l| l.id.as_str()).collect();
    let path = names.join(",");
    let bounds = describe::bounds(layers.iter().map(|l| &**l));
    let minzoom = layers.iter().map(|l| l.minzoom).min().unwrap_or(0);
    let maxzoom = layers.iter().map(|l| l.maxzoom).max().unwrap_or(22);
    let mut doc = json!({
        "tilejson": "3.0.0",
        "name": layers.iter().map(|l| l.title.as_str()).collect::<Vec<_>>().join(" + "),
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{path}/{{z}}/{{x}}/{{y}}.mvt?v={}", version(layers))],
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "vector_layers": layers.iter().map(|l| describe::vector_layer(l)).collect::<Vec<_>>(),
        "version": version(layers),
    });
    if let Some(d) = layers.first().and_then(|l| l.description.clone()).filter(|_| layers.len() == 1) {
        doc["description"] = json!(d);
    }
    if let Some(a) = describe::attribution(layers.iter().map(|l| &**l)) {
        doc["attribution"] = json!(a);
    }
    if let Some(b) = bounds {
        doc["bounds"] = json!(b);
        let z = minzoom.max(2).min(maxzoom);
        doc["center"] = json!([(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0, z]);
    }
    doc
}

/// `GET /tiles/{sources}.json`.
pub async fn handler(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let names = name
        .strip_suffix(".json")
        .ok_or_else(|| ApiError::not_found("tile paths are /tiles/{source}.json or /tiles/{source}/{z}/{x}/{y}.mvt"))?;
    let layers = resolve(&state, &caller.drafts(), names).await?;
    let base = base_url(&state, &headers);
    Ok(([(header::CACHE_CONTROL, "no-cache")], Json(document(&base, &layers))))
}
