//! `/collections`, `/collections/{id}` and its queryables and schema.

use std::collections::HashMap;
use std::fmt::Write;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use nexus_store::time_field;
use serde_json::{json, Value};

use super::common::{format, json_with_type, link, CRS84, GEOJSON, SCHEMA};
use super::html;
use super::schema;
use super::source::{source, visible_sources, Source};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::links::{base_url, Format};
use crate::state::AppState;

pub(super) fn collection_doc(base: &str, s: &Source) -> Value {
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
        "id": id, "title": title, "description": description, "itemType": "feature",
        "crs": nexus_core::Crs::advertised(), "storageCrs": CRS84,
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

pub(super) async fn collections(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let base = base_url(&state, &headers);
    let list: Vec<Value> =
        visible_sources(&state, &caller.drafts()).await?.iter().map(|s| collection_doc(&base, s)).collect();
    let doc = json!({
        "links": [link(format!("{base}/collections"), "self", "application/json", "The collections"),
                  link(format!("{base}/collections?f=html"), "alternate", "text/html", "The collections as HTML")],
        "collections": list,
        // Part 2: the coordinate systems every collection offers.
        "crs": nexus_core::Crs::advertised(),
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

pub(super) async fn collection(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let s = source(&state, &caller.drafts(), &id).await?;
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
pub(super) async fn described(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path((id, doc)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let s = source(&state, &caller.drafts(), &id).await?;
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

pub(super) fn schema_response(doc: &Value, f: Format, title: &str) -> Result<Response, ApiError> {
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
