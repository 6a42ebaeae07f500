//! TileJSON 3.0.0 for one source or several (`/tiles/a,b.json`).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};

use axum::response::IntoResponse;
use axum::Json;
use nexus_core::{FieldType, Layer};
use serde_json::{json, Value};

use super::sources::{resolve, version};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

use crate::links::base_url;

fn mvt_type(t: FieldType) -> &'static str {
    match t {
        FieldType::Integer | FieldType::Number => "Number",
        FieldType::Boolean => "Boolean",
        _ => "String",
    }
}

fn vector_layer(l: &Layer) -> Value {
    let fields: BTreeMap<&str, &str> = l.fields.iter().map(|f| (f.name.as_str(), mvt_type(f.ty))).collect();
    json!({
        "id": l.id, "description": l.description.as_deref().unwrap_or(&l.title),
        "minzoom": l.minzoom, "maxzoom": l.maxzoom, "fields": fields,
    })
}

/// TileJSON describing `layers`.
pub fn document(base: &str, layers: &[Arc<Layer>]) -> Value {
    let names: Vec<&str> = layers.iter().map(|l| l.id.as_str()).collect();
    let path = names.join(",");
    let bounds = layers
        .iter()
        .filter_map(|l| l.bounds)
        .reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])]);
    let minzoom = layers.iter().map(|l| l.minzoom).min().unwrap_or(0);
    let maxzoom = layers.iter().map(|l| l.maxzoom).max().unwrap_or(22);
    // TileJSON's attribution is HTML, which map clients render: a layer's words go in as text.
    let attribution: Vec<String> = layers
        .iter()
        .filter_map(|l| l.attribution.as_deref().or(l.source.as_deref()))
        .map(crate::ogc::html::esc)
        .collect();
    let mut doc = json!({
        "tilejson": "3.0.0",
        "name": layers.iter().map(|l| l.title.as_str()).collect::<Vec<_>>().join(" + "),
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{path}/{{z}}/{{x}}/{{y}}.mvt?v={}", version(layers))],
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "vector_layers": layers.iter().map(|l| vector_layer(l)).collect::<Vec<_>>(),
        "version": version(layers),
    });
    if let Some(d) = layers.first().and_then(|l| l.description.clone()).filter(|_| layers.len() == 1) {
        doc["description"] = json!(d);
    }
    if !attribution.is_empty() {
        doc["attribution"] = json!(attribution.join("; "));
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
