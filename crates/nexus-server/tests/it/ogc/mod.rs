//! OGC API - Features: landing page, conformance, the OpenAPI document, collections, items
//! with paging and filters, single features, HTML views, queryables and schemas, drafts kept
//! from the public, and GDAL's OAPIF driver as a real client over a real socket.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use nexus_core::{CityCollection, ProjectCollection, Visibility};
use serde_json::Value;
use tower::ServiceExt;

use crate::support::TestApp;

fn public(o: &mut nexus_ingest::IngestOptions) {
    o.meta.visibility = Some(Visibility::Public);
}

/// An app with the places (public), zones (public, Chiang Mai's), a draft layer, the cities
/// and the sample projects plus one draft project.
async fn atlas() -> TestApp {
    let t = TestApp::new().await;
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cities.geojson")).unwrap();
    t.store.upsert_cities(&CityCollection::from_geojson(&text).unwrap().0).await.unwrap();
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/projects.geojson")).unwrap();
    t.store.upsert_projects(&ProjectCollection::from_geojson(&text).unwrap().0).await.unwrap();
    let draft = r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[98.99,18.79]},
        "properties":{"slug":"cm-secret-draft","city":"chiang-mai","title":"Unannounced draft","sectors":["water","energy"],
        "dimensions":["governance"],"status":"idea","visibility":"draft"}}]}"#;
    t.store.upsert_projects(&ProjectCollection::from_geojson(draft).unwrap().0).await.unwrap();
    t.ingest("places.geojson", "places", public).await;
    t.ingest("zones.geojson", "zones", |o| {
        public(o);
        o.meta.city = Some(nexus_core::CitySlug::new("chiang-mai").unwrap());
    })
    .await;
    t.ingest("zones.geojson", "secret-zones", |_| {}).await;
    for layer in ["places", "zones", "secret-zones"] {
        t.await_revision(layer, 1).await;
    }
    t
}

async fn get_with(t: &TestApp, uri: &str, headers: &[(&str, &str)]) -> (StatusCode, String, Vec<u8>) {
    let mut req = Request::get(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = t.app.clone().oneshot(crate::support::via_proxy(req.body(Body::empty()).unwrap())).await.unwrap();
    let status = res.status();
    let ctype = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, ctype, res.into_body().collect().await.unwrap().to_bytes().to_vec())
}

fn rel<'a>(doc: &'a Value, rel: &str) -> Option<&'a str> {
    doc["links"].as_array()?.iter().find(|l| l["rel"] == rel).and_then(|l| l["href"].as_str())
}

fn ids(fc: &Value) -> Vec<i64> {
    fc["features"].as_array().unwrap().iter().map(|f| f["id"].as_i64().unwrap()).collect()
}

/// The path and query of an absolute link.
fn local(href: &str) -> &str {
    let rest = href.strip_prefix("http://").unwrap();
    &rest[rest.find('/').unwrap()..]
}

mod crs;
mod filter;
mod items;
mod service;
