//! Which tile sources a request names and may see, and `GET /tiles`, the list of them.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::Json;
use nexus_core::{DraftScope, Layer, LayerId};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::links::base_url;
use crate::state::AppState;

/// Most layers one composite tile may combine: each adds a query to the tile's render.
pub(crate) const MAX_COMPOSITE_LAYERS: usize = 16;

/// The layers named in a `/tiles/{a},{b}` path that this viewer may see. A layer the
/// catalog does not know yet (created a moment ago, its notification still on its way) is
/// looked up in the database before the answer is 404, and every layer is while the catalog
/// cannot be trusted (see `Tiles::layer`).
pub(crate) async fn resolve(state: &AppState, drafts: &DraftScope, names: &str) -> Result<Vec<Arc<Layer>>, ApiError> {
    let count = names.split(',').count();
    if count > MAX_COMPOSITE_LAYERS {
        return Err(ApiError::bad_request(format!(
            "a tile combines at most {MAX_COMPOSITE_LAYERS} layers; {count} were named"
        )));
    }
    let mut out: Vec<Arc<Layer>> = Vec::new();
    for name in names.split(',') {
        let id = LayerId::new(name).map_err(|e| ApiError::bad_request(e.to_string()))?;
        if out.iter().any(|l| l.id == id) {
            return Err(ApiError::bad_request(format!("tile source '{id}' is named twice")));
        }
        let layer = state
            .tiles
            .layer(&id)
            .await?
            .filter(|l| drafts.sees_layer(l))
            .ok_or_else(|| ApiError::not_found(format!("no tile source '{id}'")))?;
        out.push(layer);
    }
    Ok(out)
}

/// `id1.id2` revisions, the version stamp in TileJSON tile URLs.
pub(crate) fn version(layers: &[Arc<Layer>]) -> String {
    layers.iter().map(|l| l.revision.to_string()).collect::<Vec<_>>().join(".")
}

/// `GET /tiles`: every tile source this viewer may see.
pub(super) async fn sources(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let drafts = caller.drafts();
    let base = base_url(&state, &headers);
    let list: Vec<serde_json::Value> = state
        .tiles
        .layers()
        .await?
        .into_iter()
        .filter(|l| drafts.sees_layer(l))
        .map(|l| {
            serde_json::json!({
                "id": l.id, "title": l.title, "kind": l.kind, "sectors": l.sectors, "city": l.city,
                "geometry_type": l.geometry_type, "revision": l.revision, "minzoom": l.minzoom, "maxzoom": l.maxzoom,
                "bounds": l.bounds, "visibility": l.visibility,
                "tilejson": format!("{base}/tiles/{}.json", l.id),
                "tiles": format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt?v={}", l.id, l.revision),
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "sources": list })))
}
