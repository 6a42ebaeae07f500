//! Vector tiles over HTTP: `/tiles` (the catalog of sources), `/tiles/{sources}.json`
//! (TileJSON 3.0.0) and `/tiles/{sources}/{z}/{x}/{y}.mvt` (one layer, or several
//! comma-separated layers in one tile).

mod cache;
mod catalog;
pub mod encoding;
pub mod prerender;
mod service;
mod tilejson;

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use nexus_core::{Layer, LayerId, TileCoord, Visibility};

pub use service::{TileSettings, Tiles};

use crate::auth::is_planner;
use crate::error::ApiError;
use crate::state::AppState;

/// Media type of Mapbox Vector Tiles.
pub const MVT: &str = "application/vnd.mapbox-vector-tile";

/// The tile routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tiles", get(sources))
        .route("/tiles/{name}", get(tilejson::handler))
        .route("/tiles/{sources}/{z}/{x}/{y}", get(tile))
}

/// The layers named in a `/tiles/{a},{b}` path that this viewer may see. A layer the
/// catalog does not know yet (created a moment ago, its notification still on its way) is
/// looked up in the database before the answer is 404.
pub(crate) async fn resolve(state: &AppState, headers: &HeaderMap, names: &str) -> Result<Vec<Arc<Layer>>, ApiError> {
    let planner = is_planner(headers, state);
    let mut out: Vec<Arc<Layer>> = Vec::new();
    for name in names.split(',') {
        let id = LayerId::new(name).map_err(|e| ApiError::bad_request(e.to_string()))?;
        if out.iter().any(|l| l.id == id) {
            return Err(ApiError::bad_request(format!("tile source '{id}' is named twice")));
        }
        let layer = match state.tiles.catalog().get(id.as_str()) {
            Some(l) => Some(l),
            None => state.store.layer(&id).await?.and_then(|l| {
                state.tiles.catalog().put(l);
                state.tiles.catalog().get(id.as_str())
            }),
        };
        let layer = layer
            .filter(|l| planner || l.visibility == Visibility::Public)
            .ok_or_else(|| ApiError::not_found(format!("no tile source '{id}'")))?;
        out.push(layer);
    }
    Ok(out)
}

/// `id1.id2` revisions, the version stamp in TileJSON tile URLs.
pub(crate) fn version(layers: &[Arc<Layer>]) -> String {
    layers.iter().map(|l| l.revision.to_string()).collect::<Vec<_>>().join(".")
}

fn parse_tile(z: &str, x: &str, last: &str) -> Result<TileCoord, ApiError> {
    let (y, ext) =
        last.rsplit_once('.').ok_or_else(|| ApiError::bad_request("a tile path ends in {y}.mvt (or {y}.pbf)"))?;
    if ext != "mvt" && ext != "pbf" {
        return Err(ApiError::bad_request(format!("tiles are served as .mvt or .pbf, not .{}", ext.escape_default())));
    }
    let num = |v: &str, what: &str| {
        v.parse::<u64>()
            .map_err(|_| ApiError::bad_request(format!("{what} must be a whole number, not '{}'", v.escape_default())))
    };
    let z = u32::try_from(num(z, "z")?).map_err(|_| ApiError::bad_request("z is out of range"))?;
    TileCoord::new(z, num(x, "x")?, num(y, "y")?).map_err(|e| ApiError::bad_request(e.to_string()))
}

fn cache_control(layers: &[Arc<Layer>], versioned: bool) -> String {
    if layers.iter().any(|l| l.visibility == Visibility::Draft) {
        "private, no-store".to_owned()
    } else if versioned {
        "public, max-age=31536000, immutable".to_owned()
    } else {
        let age = layers.iter().map(|l| l.cache_max_age).min().unwrap_or(0);
        format!("public, max-age={age}")
    }
}

fn header_value(v: &str) -> HeaderValue {
    HeaderValue::from_str(v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

async fn tile(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((names, z, x, last)): Path<(String, String, String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let coord = parse_tile(&z, &x, &last)?;
    let layers = resolve(&state, &headers, &names).await?;
    let tile = state.tiles.composite_tile(&layers, coord).await.map_err(ApiError::from)?;

    let versioned = query.get("v").is_some_and(|v| *v == version(&layers));
    let mut res = Response::builder()
        .header(header::CACHE_CONTROL, header_value(&cache_control(&layers, versioned)))
        .header(header::VARY, "Accept-Encoding");
    if tile.is_empty() {
        return Ok(res.status(StatusCode::NO_CONTENT).body(Body::empty()).unwrap_or_default());
    }
    let enc = encoding::negotiate(headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()));
    let etag = tile.etag(enc);
    res = res.header(header::ETAG, header_value(&etag));
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if fresh {
        return Ok(res.status(StatusCode::NOT_MODIFIED).body(Body::empty()).unwrap_or_default());
    }
    res = res.header(header::CONTENT_TYPE, MVT);
    if let Some(ce) = enc.header() {
        res = res.header(header::CONTENT_ENCODING, ce);
    }
    Ok(res.status(StatusCode::OK).body(Body::from(tile.body(enc))).unwrap_or_default())
}

/// `GET /tiles`: every tile source this viewer may see.
async fn sources(State(state): State<AppState>, headers: HeaderMap) -> impl IntoResponse {
    let planner = is_planner(&headers, &state);
    let base = tilejson::base_url(&state, &headers);
    let list: Vec<serde_json::Value> = state
        .tiles
        .catalog()
        .all()
        .into_iter()
        .filter(|l| planner || l.visibility == Visibility::Public)
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
    Json(serde_json::json!({ "sources": list }))
}
