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

/// What the public finds of layer `dumps`: its items, the download's features, whether its
/// TileJSON answers, and which dumps are linked.
async fn dumps(w: &World) -> (usize, usize, StatusCode, Vec<String>) {
    w.t.store.refresh_nexus().await.unwrap();
    let (status, page) = w.t.get_json("/collections/dumps/items").await;
    let items = if status == StatusCode::OK { page["features"].as_array().unwrap().len() } else { 0 };
    let (status, _, download) = w.t.get("/export/dumps.geojson").await;
    let downloaded = if status == StatusCode::OK {
        serde_json::from_slice::<Value>(&download).unwrap()["features"].as_array().unwrap().len()
    } else {
        0
    };
    let (tilejson, _, _) = w.t.get("/tiles/dumps.json").await;
    let mut linked: Vec<String> =
        w.links().await.into_iter().flat_map(|l| [l.1, l.2]).filter(|n| n.starts_with("Dump")).collect();
    linked.sort();
    linked.dedup();
    (items, downloaded, tilejson, linked)
}

#[tokio::test]
async fn a_layer_restored_to_its_previous_data_or_back_from_deletion_changes_what_every_path_shows() {
    let w = world().await;
    // Only the dump 400 m from the canal is near enough to it to be linked.
    let linked = vec!["Dump 400 m".to_owned()];
    assert_eq!(dumps(&w).await, (2, 2, StatusCode::OK, linked.clone()));
    let far = super::fc(&[(point(LON + 0.02, LAT + north(LAT, 600.0)), super::named("Dump 600 m"))]);
    w.layer("dumps", nexus_core::LayerKind::WasteSite, &[nexus_core::Sector::Waste], "chiang-mai", true, far).await;
    assert_eq!(dumps(&w).await, (1, 1, StatusCode::OK, vec![]));

    let (status, _, h) = w.t.send(admin("GET", "/api/layers/dumps/history", &Value::Null)).await;
    assert_eq!(status, StatusCode::OK, "{h}");
    let revisions: Vec<(i64, bool, i64)> = h["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (r["revision"].as_i64().unwrap(), r["restorable"].as_bool().unwrap(), r["feature_count"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(revisions, [(1, true, 2), (2, false, 1)], "the replaced data is kept; the live one is the layer");

    let (status, _, body) = w.t.send(admin("POST", "/api/layers/dumps/restore", &json!({ "revision": 1 }))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["revision"], 3);
    w.t.await_revision("dumps", 3).await;
    assert_eq!(dumps(&w).await, (2, 2, StatusCode::OK, linked.clone()), "the previous data is back everywhere");

    let (status, _, body) = w.t.send(admin("DELETE", "/api/layers/dumps", &Value::Null)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(dumps(&w).await, (0, 0, StatusCode::NOT_FOUND, vec![]), "a deleted layer is gone from every path");
    let (_, _, trash) = w.t.send(admin("GET", "/api/trash", &Value::Null)).await;
    assert_eq!((trash["layers"][0]["id"].as_str(), trash["layers"][0]["revision"].as_i64()), (Some("dumps"), Some(4)));
    let (status, _, body) = w.t.send(admin("POST", "/api/layers/dumps/restore", &json!({ "revision": 3 }))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    w.t.await_revision("dumps", 5).await;
    assert_eq!(dumps(&w).await, (2, 2, StatusCode::OK, linked), "back from deletion");
    let (_, _, audit) = w.t.send(admin("GET", "/api/audit?target=dumps", &Value::Null)).await;
    let actions: Vec<&str> = audit["rows"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["layer.restore", "layer.delete", "layer.restore"]);
}

#[tokio::test]
async fn only_the_newest_data_revisions_are_kept() {
    let w = world().await;
    let store = w.t.store.clone().with_layer_history(2);
    for n in 0..3 {
        let file = w._dir.path().join(format!("dumps-{n}.geojson"));
        std::fs::write(
            &file,
            super::fc(&[(point(LON, LAT + north(LAT, 1000.0 + f64::from(n))), super::named("Dump"))]),
        )
        .unwrap();
        let o = nexus_ingest::IngestOptions::new(&file, nexus_core::LayerId::new("dumps").unwrap());
        nexus_ingest::ingest(&store, o, std::sync::Arc::new(nexus_ingest::NoProgress)).await.unwrap();
    }
    let (_, _, h) = w.t.send(admin("GET", "/api/layers/dumps/history", &Value::Null)).await;
    let kept: Vec<(i64, bool)> = h["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["revision"].as_i64().unwrap(), r["restorable"].as_bool().unwrap()))
        .collect();
    assert_eq!(kept, [(1, false), (2, true), (3, true), (4, false)]);
    let (status, _, body) = w.t.send(admin("POST", "/api/layers/dumps/restore", &json!({ "revision": 1 }))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("no longer kept"), "{body}");
    let (client, conn) = tokio_postgres::connect(&w.t.db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let tables: i64 = client
        .query_one("SELECT count(*) FROM pg_tables WHERE schemaname = 'nexus_history'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 2, "the pruned data is dropped, not only forgotten");
}
