//! `/collections/{id}/items` (paged, filtered) and `/collections/{id}/items/{featureId}`.

use std::collections::HashMap;
use std::fmt::Write;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use bytes::Bytes;
use serde_json::{json, Value};

use super::common::{format, json_encoded, link, GEOJSON};
use super::crs::content_crs_header;
use super::html;
use super::source::source;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::links::{base_url, Format};
use crate::state::AppState;

/// Query string of `q` with `offset` replaced.
fn with_offset(q: &HashMap<String, String>, offset: i64, f: &str) -> String {
    let mut pairs: Vec<(String, String)> =
        q.iter().filter(|(k, _)| *k != "offset" && *k != "f").map(|(k, v)| (k.clone(), v.clone())).collect();
    pairs.sort();
    pairs.push(("offset".into(), offset.to_string()));
    pairs.push(("f".into(), f.into()));
    pairs.iter().map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v))).collect::<Vec<_>>().join("&")
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' | b'/' | b':' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// How the page is returned, as the parameters said.
fn page(p: &nexus_core::ItemsQuery) -> nexus_store::Page<'_> {
    nexus_store::Page {
        limit: p.limit,
        offset: p.offset,
        precision: p.precision,
        crs: p.crs,
        properties: p.properties.as_deref(),
        sortby: &p.sortby,
    }
}

pub(super) async fn items(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let s = source(&state, &caller.drafts(), &id).await?;
    let p = nexus_core::query::items(&q, &s.queryables(), true)?;
    let f = format(&q, &headers)?;
    let c = s.collection();
    // One feature more than the page says whether another page follows. `numberMatched` is
    // given when it costs nothing (a short page ends the matches); counting a full page's
    // matches would re-test every candidate's geometry, as much work as the page itself, so
    // it is left out then, as the standard allows, and `next` leads on.
    let mut view = page(&p);
    view.limit = p.limit.saturating_add(1);
    let mut features = state.store.features_page(c, &p.filter, &view).await?;
    let more = i64::try_from(features.len()).unwrap_or(i64::MAX) > p.limit;
    features.truncate(usize::try_from(p.limit).unwrap_or(usize::MAX));
    let returned = i64::try_from(features.len()).unwrap_or(i64::MAX);
    let matched = match (more, returned, p.offset) {
        (true, _, _) => None,
        // Past the end: how far the matches went is not known from an empty page.
        (false, 0, o) if o > 0 => Some(state.store.count_features(c, &p.filter).await?),
        (false, n, o) => Some(o + n),
    };
    let base = base_url(&state, &headers);
    let here = format!("{base}/collections/{id}/items");
    let mut links = vec![
        link(format!("{here}?{}", with_offset(&q, p.offset, "json")), "self", GEOJSON, "This page"),
        link(format!("{here}?{}", with_offset(&q, p.offset, "html")), "alternate", "text/html", "This page as HTML"),
        link(format!("{base}/collections/{id}"), "collection", "application/json", "The collection"),
    ];
    if more {
        links.push(link(
            format!("{here}?{}", with_offset(&q, p.offset + returned, "json")),
            "next",
            GEOJSON,
            "Next page",
        ));
    }
    if p.offset > 0 {
        links.push(link(
            format!("{here}?{}", with_offset(&q, (p.offset - p.limit).max(0), "json")),
            "prev",
            GEOJSON,
            "Previous page",
        ));
    }
    let stamp =
        time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    if f == Format::Html {
        let mut rows = String::from("<table><tr><th>id</th><th>properties</th></tr>");
        for feat in &features {
            let v: Value = serde_json::from_slice(feat).unwrap_or_default();
            let _ = write!(
                rows,
                "<tr><td><a href=\"/collections/{}/items/{}?f=html\">{}</a></td><td>{}</td></tr>",
                html::esc(&id),
                html::value(&v["id"]),
                html::value(&v["id"]),
                html::properties(&v["properties"])
            );
        }
        rows.push_str("</table>");
        let nav = html::links(&Value::Array(
            links
                .iter()
                .filter(|l| l["rel"] == "next" || l["rel"] == "prev")
                .map(|l| {
                    let mut l = l.clone();
                    l["href"] = json!(l["href"].as_str().unwrap_or_default().replace("f=json", "f=html"));
                    l
                })
                .collect(),
        ));
        let of = matched.map_or_else(String::new, |m| format!(" of {m}"));
        let body = format!("<p>{returned}{of} features, from {}.</p>{rows}{nav}", p.offset + 1);
        return Ok(Html(html::page(&format!("{id}: features"), &body)).into_response());
    }
    let mut body: Vec<u8> = Vec::with_capacity(features.iter().map(Bytes::len).sum::<usize>() + 1024);
    body.extend_from_slice(b"{\"type\":\"FeatureCollection\",\"features\":[");
    for (i, feat) in features.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(feat);
    }
    let mut tail = json!({ "numberReturned": returned, "timeStamp": stamp, "links": links });
    if let Some(m) = matched {
        tail["numberMatched"] = json!(m);
    }
    body.extend_from_slice(b"],");
    let tail = serde_json::to_vec(&tail).unwrap_or_default();
    body.extend_from_slice(&tail[1..]);
    let mut res = json_encoded(&headers, GEOJSON, body);
    let (name, value) = content_crs_header(p.crs);
    res.headers_mut().insert(name, value);
    Ok(res)
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
