//! `/collections/{id}/items` (paged, filtered) and `/collections/{id}/items/{featureId}`.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use serde_json::{json, Value};

use super::common::{format, json_encoded, link, GEOJSON};
use super::crs::content_crs_header;
use super::html;
use super::source::source;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::links::{base_url, Format};
use crate::state::AppState;

/// How the page is returned, as the parameters said.
pub(super) fn page(p: &nexus_core::ItemsQuery) -> nexus_store::Page<'_> {
    nexus_store::Page {
        limit: p.limit,
        offset: p.offset,
        precision: p.precision,
        crs: p.crs,
        properties: p.properties.as_deref(),
        sortby: &p.sortby,
    }
}

pub(super) async fn item(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path((id, fid)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let s = source(&state, &caller.drafts(), &id).await?;
    let p = nexus_core::query::items(&q, &[], false)?;
    let f = format(&q, &headers)?;
    let missing = || ApiError::not_found(format!("collection '{id}' has no feature '{}'", fid.escape_default()));
    let n: i64 = fid.parse().map_err(|_| missing())?;
    // A layer's feature carries its version, which an edit sends back as `If-Match`.
    let (feat, etag) = state.store.feature(s.collection(), n, &page(&p)).await?.ok_or_else(missing)?;
    let base = base_url(&state, &headers);
    let mut v: Value = serde_json::from_slice(&feat).map_err(|e| ApiError::internal(&e))?;
    v["links"] = json!([
        link(format!("{base}/collections/{id}/items/{n}"), "self", GEOJSON, "This feature"),
        link(format!("{base}/collections/{id}/items/{n}?f=html"), "alternate", "text/html", "This feature as HTML"),
        link(format!("{base}/collections/{id}"), "collection", "application/json", "The collection"),
    ]);
    Ok(match f {
        Format::Json => {
            let mut res = json_encoded(&headers, GEOJSON, serde_json::to_vec(&v).unwrap_or_default());
            let (name, value) = content_crs_header(p.crs);
            res.headers_mut().insert(name, value);
            if let Some(etag) = etag {
                res.headers_mut().insert(axum::http::header::ETAG, super::versions::quoted(&etag));
            }
            res
        }
        Format::Html => {
            let geom = v["geometry"]["type"].as_str().unwrap_or("no geometry");
            let body = format!(
                "<p>Geometry: {}</p>{}{}",
                html::esc(geom),
                html::properties(&v["properties"]),
                html::links(&v["links"])
            );
            Html(html::page(&format!("{id} / {n}"), &body)).into_response()
        }
    })
}
