//! OGC API - Features, Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0): `/`, `/conformance`,
//! `/api`, `/collections`, `/collections/{id}`, `/collections/{id}/items` and
//! `/collections/{id}/items/{featureId}`. Collections are the layers (drafts only for
//! planners) and `projects`.

pub mod html;
mod openapi;
mod schema;

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use nexus_core::{Layer, Visibility};
use nexus_store::{time_field, Collection, LAYER_QUERYABLES, PROJECT_QUERYABLES};
use serde_json::{json, Value};

use crate::auth::is_planner;
use crate::error::ApiError;
use crate::links::{base_url, negotiate, Format};
use crate::state::AppState;

const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const GEOJSON: &str = "application/geo+json";
const SCHEMA: &str = "application/schema+json";

/// The OGC API routes (the landing page `/` is wired in `lib.rs`, shared with the map).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/conformance", get(conformance))
        .route("/api", get(api))
        .route("/collections", get(collections))
        .route("/collections/{id}", get(collection))
        .route("/collections/{id}/{doc}", get(described))
        .route("/collections/{id}/items", get(items))
        .route("/collections/{id}/items/{fid}", get(item))
}

/// A collection: a layer or the projects.
#[derive(Debug, Clone)]
pub enum Source {
    /// A layer.
    Layer(Arc<Layer>),
    /// The projects.
    Projects {
        /// Drafts included.
        drafts: bool,
    },
}

impl Source {
    /// As the store's collection.
    pub fn collection(&self) -> Collection<'_> {
        match self {
            Source::Layer(l) => Collection::Layer(l),
            Source::Projects { drafts } => Collection::Projects { include_drafts: *drafts },
        }
    }

    /// The collection id.
    pub fn id(&self) -> String {
        match self {
            Source::Layer(l) => l.id.to_string(),
            Source::Projects { .. } => "projects".into(),
        }
    }

    /// Property names that filter by equality.
    pub fn queryables(&self) -> Vec<String> {
        match self {
            Source::Layer(l) => {
                let mut names: Vec<String> = l.fields.iter().map(|f| f.name.clone()).collect();
                for extra in LAYER_QUERYABLES {
                    if !names.iter().any(|n| n == extra) {
                        names.push((*extra).to_owned());
                    }
                }
                names
            }
            Source::Projects { .. } => PROJECT_QUERYABLES.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

/// Finds collection `id` for this viewer (404 otherwise).
pub async fn source(state: &AppState, headers: &HeaderMap, id: &str) -> Result<Source, ApiError> {
    if id == "projects" {
        return Ok(Source::Projects { drafts: is_planner(headers, state) });
    }
    // One collection per id: the tile routes' comma lists (`a,b`) are not collections.
    if nexus_core::LayerId::new(id).is_err() {
        return Err(ApiError::not_found(format!("no collection '{}'", id.escape_default())));
    }
    let layers = crate::tiles::resolve(state, headers, id).await.map_err(|e| {
        if e.status == StatusCode::BAD_REQUEST {
            ApiError::not_found(format!("no collection '{id}'"))
        } else {
            e
        }
    })?;
    let layer = layers.into_iter().next().ok_or_else(|| ApiError::not_found(format!("no collection '{id}'")))?;
    Ok(Source::Layer(layer))
}

fn format(query: &HashMap<String, String>, headers: &HeaderMap) -> Result<Format, ApiError> {
    negotiate(query.get("f").map(String::as_str), headers).map_err(ApiError::bad_request)
}

fn json_with_type(content_type: &'static str, body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

fn link(href: impl Into<String>, rel: &str, ty: &str, title: &str) -> Value {
    let href: String = href.into();
    json!({ "href": href, "rel": rel, "type": ty, "title": title })
}

/// `GET /?f=json` (and `Accept: application/json`): the landing page.
pub async fn landing(state: &AppState, headers: &HeaderMap, f: Format) -> Response {
    let base = base_url(state, headers);
    let doc = json!({
        "title": "Nexus Atlas",
        "description": "Water, energy, food, waste and heritage of the Urban Nexus cities, layer by layer, with the cities' Nexus projects.",
        "links": [
            link(format!("{base}/?f=json"), "self", "application/json", "This document"),
            link(format!("{base}/?f=html"), "alternate", "text/html", "This document as HTML"),
            link(format!("{base}/api"), "service-desc", "application/vnd.oai.openapi+json;version=3.0", "The API definition (OpenAPI 3.0)"),
            link(format!("{base}/api"), "service-doc", "application/vnd.oai.openapi+json;version=3.0", "The API documentation"),
            link(format!("{base}/conformance"), "conformance", "application/json", "Conformance classes"),
            link(format!("{base}/collections"), "data", "application/json", "The collections"),
            link(format!("{base}/tiles"), "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", "application/json", "Vector tiles"),
        ]
    });
    match f {
        Format::Json => Json(doc).into_response(),
        Format::Html => Html(html::page(
            "Nexus Atlas API",
            &format!(
                "<p>{}</p>{}",
                html::esc(doc["description"].as_str().unwrap_or_default()),
                html::links(&doc["links"])
            ),
        ))
        .into_response(),
    }
}

async fn conformance(headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Result<Response, ApiError> {
    let doc = json!({ "conformsTo": [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    ]});
    Ok(match format(&q, &headers)? {
        Format::Json => Json(doc).into_response(),
        Format::Html => {
            let list: String = doc["conformsTo"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| format!("<li>{}</li>", html::value(c)))
                .collect();
            Html(html::page("Conformance", &format!("<ul>{list}</ul>"))).into_response()
        }
    })
}

async fn api(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let doc = openapi::document(&base_url(&state, &headers), &visible_sources(&state, &headers));
    json_with_type("application/vnd.oai.openapi+json;version=3.0", serde_json::to_vec(&doc).unwrap_or_default())
}

fn collection_doc(base: &str, s: &Source) -> Value {
    let id = s.id();
    let (title, description, bbox, temporal) = match s {
        Source::Layer(l) => (
            l.title.clone(),
            l.description.clone().unwrap_or_else(|| format!("{} ({})", l.title, l.kind)),
            l.bounds,
            time_field(l).map(str::to_owned),
        ),
        Source::Projects { .. } => (
            "Nexus projects".to_owned(),
            "The cities' Urban Nexus projects: sectors, Nexus dimensions, status, budget, dates and partners."
                .to_owned(),
            None,
            Some("start_date/end_date".to_owned()),
        ),
    };
    let mut doc = json!({
        "id": id, "title": title, "description": description, "itemType": "feature", "crs": [CRS84],
        "links": [
            link(format!("{base}/collections/{id}"), "self", "application/json", "This collection"),
            link(format!("{base}/collections/{id}?f=html"), "alternate", "text/html", "This collection as HTML"),
            link(format!("{base}/collections/{id}/items"), "items", GEOJSON, "The features"),
            link(format!("{base}/collections/{id}/items?f=html"), "items", "text/html", "The features as HTML"),
            link(format!("{base}/collections/{id}/queryables"), "http://www.opengis.net/def/rel/ogc/1.0/queryables", SCHEMA, "The properties items filter on"),
            link(format!("{base}/collections/{id}/schema"), "describedby", SCHEMA, "A feature's schema"),
            // GDAL (3.6) looks for this spelling of the relation.
            link(format!("{base}/collections/{id}/schema"), "describedBy", SCHEMA, "A feature's schema"),
            link(format!("{base}/export/{id}.geojson"), "enclosure", GEOJSON, "Download everything as GeoJSON"),
        ],
        "extent": { "spatial": { "bbox": [bbox.unwrap_or([-180.0, -90.0, 180.0, 90.0])], "crs": CRS84 } },
    });
    if let Source::Layer(l) = s {
        if let Some(links) = doc["links"].as_array_mut() {
            links.push(link(
                format!("{base}/tiles/{}.json", l.id),
                "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                "application/json",
                "Vector tiles",
            ));
        }
        doc["nexus"] = json!({ "kind": l.kind, "sectors": l.sectors, "city": l.city, "source": l.source, "licence": l.licence,
                               "revision": l.revision, "feature_count": l.feature_count, "approximate": l.approximate,
                               "visibility": l.visibility, "updated_at": l.updated_at.to_string() });
    }
    if let Some(t) = temporal {
        doc["extent"]["temporal"] = json!({ "interval": [[null, null]], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian", "property": t });
    }
    doc
}

fn visible_sources(state: &AppState, headers: &HeaderMap) -> Vec<Source> {
    let planner = is_planner(headers, state);
    let mut out: Vec<Source> = state
        .tiles
        .catalog()
        .all()
        .into_iter()
        .filter(|l| planner || l.visibility == Visibility::Public)
        // The projects' tile source is in the tile catalog; as a collection it is `projects`.
        .filter(|l| l.id.as_str() != nexus_store::PROJECTS_TILES)
        .map(Source::Layer)
        .collect();
    out.push(Source::Projects { drafts: planner });
    out
}

async fn collections(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let base = base_url(&state, &headers);
    let list: Vec<Value> = visible_sources(&state, &headers).iter().map(|s| collection_doc(&base, s)).collect();
    let doc = json!({
        "links": [link(format!("{base}/collections"), "self", "application/json", "The collections"),
                  link(format!("{base}/collections?f=html"), "alternate", "text/html", "The collections as HTML")],
        "collections": list,
    });
    Ok(match format(&q, &headers)? {
        Format::Json => Json(doc).into_response(),
        Format::Html => {
            let mut rows = String::from("<table><tr><th>collection</th><th>description</th><th>features</th></tr>");
            for c in doc["collections"].as_array().into_iter().flatten() {
                let id = c["id"].as_str().unwrap_or_default();
                let _ = write!(rows, "<tr><td><a href=\"/collections/{}?f=html\">{}</a></td><td>{}</td><td><a href=\"/collections/{}/items?f=html\">items</a></td></tr>",
                    html::esc(id), html::value(&c["title"]), html::value(&c["description"]), html::esc(id));
            }
            rows.push_str("</table>");
            Html(html::page("Collections", &rows)).into_response()
        }
    })
}

async fn collection(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let s = source(&state, &headers, &id).await?;
    let doc = collection_doc(&base_url(&state, &headers), &s);
    Ok(match format(&q, &headers)? {
        Format::Json => Json(doc).into_response(),
        Format::Html => {
            let body = format!(
                "<p>{}</p><p>Extent: {}</p>{}",
                html::value(&doc["description"]),
                html::value(&doc["extent"]["spatial"]["bbox"]),
                html::links(&doc["links"])
            );
            Html(html::page(doc["title"].as_str().unwrap_or(&id), &body)).into_response()
        }
    })
}

/// `/collections/{id}/queryables` and `/collections/{id}/schema`.
async fn described(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, doc)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let s = source(&state, &headers, &id).await?;
    let url = format!("{}/collections/{id}/{doc}", base_url(&state, &headers));
    let (title, doc) = match doc.as_str() {
        "queryables" => {
            (format!("{id}: queryables"), schema::queryables_document(&url, &format!("{id}: queryables"), &s))
        }
        "schema" => (format!("{id}: feature schema"), schema::feature_document(&url, &format!("{id}: a feature"), &s)),
        other => {
            return Err(ApiError::not_found(format!(
                "collection '{id}' has items, queryables and schema, not '{}'",
                other.escape_default()
            )))
        }
    };
    schema_response(&doc, format(&q, &headers)?, &title)
}

fn schema_response(doc: &Value, f: Format, title: &str) -> Result<Response, ApiError> {
    Ok(match f {
        Format::Json => json_with_type(SCHEMA, serde_json::to_vec(doc).map_err(|e| ApiError::internal(&e))?),
        Format::Html => {
            let props =
                doc["properties"].get("properties").and_then(|p| p.get("properties")).unwrap_or(&doc["properties"]);
            let mut rows = String::from("<table><tr><th>property</th><th>type</th></tr>");
            for (name, schema) in props.as_object().into_iter().flatten() {
                let ty = match (schema["type"].as_str(), schema["format"].as_str()) {
                    (Some(t), Some(f)) => format!("{t} ({f})"),
                    (Some(t), None) => t.to_owned(),
                    _ => String::new(),
                };
                let _ = write!(rows, "<tr><td>{}</td><td>{}</td></tr>", html::esc(name), html::esc(&ty));
            }
            rows.push_str("</table>");
            Html(html::page(title, &rows)).into_response()
        }
    })
}

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

async fn items(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let s = source(&state, &headers, &id).await?;
    let p = nexus_core::query::items(&q, &s.queryables(), true)?;
    let f = format(&q, &headers)?;
    let c = s.collection();
    let (matched, features) = tokio::try_join!(
        state.store.count_features(c, &p.filter),
        state.store.features_page(c, &p.filter, p.limit, p.offset, p.precision)
    )?;
    let base = base_url(&state, &headers);
    let here = format!("{base}/collections/{id}/items");
    let returned = i64::try_from(features.len()).unwrap_or(i64::MAX);
    let mut links = vec![
        link(format!("{here}?{}", with_offset(&q, p.offset, "json")), "self", GEOJSON, "This page"),
        link(format!("{here}?{}", with_offset(&q, p.offset, "html")), "alternate", "text/html", "This page as HTML"),
        link(format!("{base}/collections/{id}"), "collection", "application/json", "The collection"),
    ];
    if p.offset + returned < matched {
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
        let body = format!("<p>{returned} of {matched} features, from {}.</p>{rows}{nav}", p.offset + 1);
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
    let tail = json!({ "numberMatched": matched, "numberReturned": returned, "timeStamp": stamp, "links": links });
    body.extend_from_slice(b"],");
    let tail = serde_json::to_vec(&tail).unwrap_or_default();
    body.extend_from_slice(&tail[1..]);
    Ok(json_with_type(GEOJSON, body))
}

async fn item(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, fid)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let s = source(&state, &headers, &id).await?;
    let p = nexus_core::query::items(&q, &[], false)?;
    let f = format(&q, &headers)?;
    let missing = || ApiError::not_found(format!("collection '{id}' has no feature '{}'", fid.escape_default()));
    let n: i64 = fid.parse().map_err(|_| missing())?;
    let feat = state.store.feature(s.collection(), n, p.precision).await?.ok_or_else(missing)?;
    let base = base_url(&state, &headers);
    let mut v: Value = serde_json::from_slice(&feat).map_err(|e| ApiError::internal(&e))?;
    v["links"] = json!([
        link(format!("{base}/collections/{id}/items/{n}"), "self", GEOJSON, "This feature"),
        link(format!("{base}/collections/{id}/items/{n}?f=html"), "alternate", "text/html", "This feature as HTML"),
        link(format!("{base}/collections/{id}"), "collection", "application/json", "The collection"),
    ]);
    Ok(match f {
        Format::Json => json_with_type(GEOJSON, serde_json::to_vec(&v).unwrap_or_default()),
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

/// A streamed body.
pub fn stream_body(
    stream: impl futures_util::Stream<Item = Result<Bytes, nexus_store::StoreError>> + Send + 'static,
) -> Body {
    Body::from_stream(futures_util::StreamExt::map(stream, |r| r.map_err(std::io::Error::other)))
}
