//! A deleted project leaves its tiles, items, downloads and Nexus links at once, and a
//! restore brings all of them back, with its feature id.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nexus_core::TileCoord;
use serde_json::{json, Value};

use super::{north, point, project, world, World, LAT, LON};
use crate::support::PLANNER_TOKEN;

fn admin(method: &str, uri: &str, body: &Value) -> Request<Body> {
    let r = Request::builder().method(method).uri(uri).header("authorization", format!("Bearer {PLANNER_TOKEN}"));
    if body.is_null() {
        r.body(Body::empty()).unwrap()
    } else {
        r.header("content-type", "application/json").body(Body::from(body.to_string())).unwrap()
    }
}

/// What the public finds of the landfill: (its feature id in the items, in the download,
/// in a tile, among the links).
async fn found(w: &World, tile: &TileCoord) -> (Option<i64>, bool, bool, bool) {
    w.t.store.refresh_nexus().await.unwrap();
    let (_, page) = w.t.get_json("/collections/projects/items?slug=cm-landfill").await;
    let id = page["features"].as_array().unwrap().first().and_then(|f| f["id"].as_i64());
    let (_, _, download) = w.t.get("/export/projects.geojson").await;
    let in_download = String::from_utf8(download).unwrap().contains("cm-landfill");
    let (status, _, _) = w.t.get(&format!("/tiles/projects/{}/{}/{}.mvt", tile.z, tile.x, tile.y)).await;
    let linked = w.links().await.iter().any(|l| l.1 == "New landfill" || l.2 == "New landfill");
    (id, in_download, status == StatusCode::OK, linked)
}

#[tokio::test]
async fn a_deleted_project_leaves_every_path_and_a_restore_brings_it_back() {
    let w = world().await;
    let (lon, lat) = (LON + 0.01, LAT + north(LAT, 300.0));
    let site = json!({ "type": "Feature", "geometry": point(lon, lat),
                       "properties": project("cm-landfill", "New landfill", Some("waste_site"), &["waste"]) });
    let (status, _, body) = w.t.send(admin("POST", "/api/projects", &site)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let tile = TileCoord::containing(lon, lat, 16);
    let (id, in_download, in_tile, linked) = found(&w, &tile).await;
    assert!(id.is_some() && in_download && in_tile && linked, "published: {id:?} {in_download} {in_tile} {linked}");

    let (status, _, body) = w.t.send(admin("DELETE", "/api/projects/cm-landfill", &Value::Null)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(found(&w, &tile).await, (None, false, false, false), "a deleted project is gone from every path");
    let (_, _, trash) = w.t.send(admin("GET", "/api/trash", &Value::Null)).await;
    assert_eq!(trash["projects"][0]["slug"], "cm-landfill");
    assert_eq!(trash["projects"][0]["revision"], 1, "the deletion is revision 1");

    let (status, _, body) =
        w.t.send(admin("POST", "/api/projects/cm-landfill/restore", &json!({ "revision": 0 }))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["revision"], 2);
    assert_eq!(found(&w, &tile).await, (id, true, true, true), "restored with its feature id");
    let (_, _, trash) = w.t.send(admin("GET", "/api/trash", &Value::Null)).await;
    assert_eq!(trash["projects"], json!([]));
}
