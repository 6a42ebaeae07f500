//! `/collections/{id}/items`: a page of features, paged and filtered, as GeoJSON or HTML. A
//! public layer's JSON pages are kept encoded until its next revision (`nexus_service::pages`).

use std::collections::HashMap;
use std::fmt::Write;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use bytes::Bytes;
use nexus_service::pages::EncodedPage;
use serde_json::{json, Value};

use super::common::{encode, encoded_response, format, json_encoding, link, GEOJSON};
use super::crs::content_crs_header;
use super::html;
use super::items::page;
use super::source::{source, Source};
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

/// What a page holds before it is written out.
struct Parts {
    features: Vec<Bytes>,
    returned: i64,
    matched: Option<i64>,
    links: Vec<Value>,
}

/// The features of the page and its links. One feature more than the page says whether
/// another page follows. `numberMatched` is given when it costs nothing (a short page ends the
/// matches); counting a full page's matches would re-test every candidate's geometry, as much
/// work as the page itself, so it is left out then, as the standard allows, and `next` leads on.
async fn read(
    state: &AppState,
    s: &Source,
    p: &nexus_core::ItemsQuery,
    q: &HashMap<String, String>,
    here: &str,
) -> Result<Parts, ApiError> {
    let c = s.collection();
    let mut view = page(p);
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
    let collection = here.trim_end_matches("/items");
    let mut links = vec![
        link(format!("{here}?{}", with_offset(q, p.offset, "json")), "self", GEOJSON, "This page"),
        link(format!("{here}?{}", with_offset(q, p.offset, "html")), "alternate", "text/html", "This page as HTML"),
        link(collection.to_owned(), "collection", "application/json", "The collection"),
    ];
    if more {
        links.push(link(
            format!("{here}?{}", with_offset(q, p.offset + returned, "json")),
            "next",
            GEOJSON,
            "Next page",
        ));
    }
    if p.offset > 0 {
        let back = (p.offset - p.limit).max(0);
        links.push(link(format!("{here}?{}", with_offset(q, back, "json")), "prev", GEOJSON, "Previous page"));
    }
    Ok(Parts { features, returned, matched, links })
}

fn html_page(id: &str, offset: i64, parts: &Parts) -> Response {
    let mut rows = String::from("<table><tr><th>id</th><th>properties</th></tr>");
    for feat in &parts.features {
        let v: Value = serde_json::from_slice(feat).unwrap_or_default();
        let _ = write!(
            rows,
            "<tr><td><a href=\"/collections/{}/items/{}?f=html\">{}</a></td><td>{}</td></tr>",
            html::esc(id),
            html::value(&v["id"]),
            html::value(&v["id"]),
            html::properties(&v["properties"])
        );
    }
    rows.push_str("</table>");
    let nav = html::links(&Value::Array(
        parts
            .links
            .iter()
            .filter(|l| l["rel"] == "next" || l["rel"] == "prev")
            .map(|l| {
                let mut l = l.clone();
                l["href"] = json!(l["href"].as_str().unwrap_or_default().replace("f=json", "f=html"));
                l
            })
            .collect(),
    ));
    let of = parts.matched.map_or_else(String::new, |m| format!(" of {m}"));
    let body = format!("<p>{}{of} features, from {}.</p>{rows}{nav}", parts.returned, offset + 1);
    Html(html::page(&format!("{id}: features"), &body)).into_response()
}

/// The FeatureCollection's text: the features as PostGIS wrote them, joined unparsed.
fn json_page(parts: &Parts) -> Vec<u8> {
    let stamp =
        time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let mut body: Vec<u8> = Vec::with_capacity(parts.features.iter().map(Bytes::len).sum::<usize>() + 1024);
    body.extend_from_slice(b"{\"type\":\"FeatureCollection\",\"features\":[");
    for (i, feat) in parts.features.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(feat);
    }
    let mut tail = json!({ "numberReturned": parts.returned, "timeStamp": stamp, "links": parts.links });
    if let Some(m) = parts.matched {
        tail["numberMatched"] = json!(m);
    }
    body.extend_from_slice(b"],");
    let tail = serde_json::to_vec(&tail).unwrap_or_default();
    body.extend_from_slice(&tail[1..]);
    body
}

/// The key a JSON page is kept under: a layer at its revision, who may see what, the base of
/// its links, the encoding and the parameters. `None` for what is not kept: the projects
/// (their saves are not followed here) and any page while the catalog may be stale.
fn cache_key(
    state: &AppState,
    s: &Source,
    caller: &Caller,
    here: &str,
    coding: &str,
    q: &HashMap<String, String>,
) -> Option<String> {
    let Source::Layer(l) = s else { return None };
    if !state.tiles.trusted() {
        return None;
    }
    let mut pairs: Vec<(&String, &String)> = q.iter().collect();
    pairs.sort();
    let params: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v))).collect();
    // The layer's creation too: a layer made again under a purged one's id counts from 1 again.
    let made = l.created_at.unix_timestamp_nanos();
    Some(format!("{}@{}.{made}|{:?}|{here}|{coding}|{}", l.id, l.revision, caller.drafts(), params.join("&")))
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
    let here = format!("{}/collections/{id}/items", base_url(&state, &headers));
    if f == Format::Html {
        return Ok(html_page(&id, p.offset, &read(&state, &s, &p, &q, &here).await?));
    }
    // Chosen as for a large page; a page too small to compress is kept as it is.
    let chosen = json_encoding(&headers, usize::MAX);
    let make = async {
        let body = json_page(&read(&state, &s, &p, &q, &here).await?);
        let coding = json_encoding(&headers, body.len());
        Ok::<_, ApiError>(EncodedPage { encoding: coding.header(), body: Bytes::from(encode(coding, body)) })
    };
    let page = match cache_key(&state, &s, &caller, &here, chosen.header().unwrap_or("identity"), &q) {
        Some(key) => state.pages.get_or_make(key, make).await.map_err(|e| ApiError::shared(&e))?,
        None => std::sync::Arc::new(make.await?),
    };
    let mut res = encoded_response(GEOJSON, page.encoding, page.body.clone());
    let (name, value) = content_crs_header(p.crs);
    res.headers_mut().insert(name, value);
    Ok(res)
}
