//! `GET /tiles/{sources}/{z}/{x}/{y}.mvt`: one tile of one or several layers, with the
//! encoding the client accepts, its ETag and its caching.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use nexus_core::{Layer, TileCoord, Visibility};
use nexus_service::tiles::encoding;

use super::sources::{resolve, version};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// Media type of Mapbox Vector Tiles.
pub const MVT: &str = "application/vnd.mapbox-vector-tile";

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

pub(super) async fn tile(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path((names, z, x, last)): Path<(String, String, String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let coord = parse_tile(&z, &x, &last)?;
    let layers = resolve(&state, &caller.drafts(), &names).await?;
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
