//! `/` for API clients, `/conformance` and `/api`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::common::{format, json_with_type, link};
use super::html;
use super::openapi;
use super::source::visible_sources;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::links::{base_url, Format};
use crate::state::AppState;

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
            link(format!("{base}/api?f=html"), "service-doc", "text/html", "The API documentation"),
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

pub(super) async fn conformance(
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let doc = json!({ "conformsTo": [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
        "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
        "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
        "http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
        "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
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

/// `GET /api`: the OpenAPI document; a page about it for people (`?f=html`, or a browser).
pub(super) async fn api(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let f = format(&q, &headers)?;
    let doc = openapi::document(&base_url(&state, &headers), &visible_sources(&state, &caller.drafts()).await?);
    if f == Format::Json {
        return Ok(json_with_type(
            "application/vnd.oai.openapi+json;version=3.0",
            serde_json::to_vec(&doc).unwrap_or_default(),
        ));
    }
    let mut rows = String::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let params: Vec<String> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["name"].as_str().map(html::esc))
                .collect();
            rows.push_str(&format!(
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                html::esc(&method.to_uppercase()),
                html::esc(path),
                html::value(&op["summary"]),
                params.join(", ")
            ));
        }
    }
    Ok(Html(html::page(
        "The API",
        &format!(
            "<p>OGC API - Features, described as OpenAPI {} in <a href=\"/api?f=json\">the JSON document</a> \
             (what clients such as QGIS, GDAL and OWSLib read).</p>\
             <table><tr><th>method</th><th>path</th><th>what</th><th>parameters</th></tr>{rows}</table>",
            html::value(&doc["openapi"])
        ),
    ))
    .into_response())
}
