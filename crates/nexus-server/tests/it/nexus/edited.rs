//! Features edited one at a time (OGC API - Features Part 4) re-link only themselves: after
//! every kind of edit the links and the grid are what a rebuild from scratch finds, and the
//! links of the layer's other features were never touched.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::{east, north, point, square, world, World, LAT, LON};
use crate::accounts::{req, Auth};
use crate::support::PLANNER_TOKEN;

const ADMIN: Auth<'static> = Auth::Bearer(PLANNER_TOKEN);

impl World {
    /// The id of the feature of `layer` named `name`.
    async fn fid(&self, layer: &str, name: &str) -> i64 {
        let (_, page) = self.t.get_json(&format!("/collections/{layer}/items?limit=1000")).await;
        page["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {layer}"))["id"]
            .as_i64()
            .unwrap()
    }

    async fn edit(&self, method: &str, uri: &str, body: &Value) {
        let (s, _, answer) = self.t.send(req(method, uri, ADMIN, body)).await;
        assert!(s.is_success(), "{method} {uri}: {s} {answer}");
    }

    /// Refreshes the overlays, checks they equal a rebuild from scratch, and returns how many
    /// links the refresh removed.
    async fn refresh_equals_rebuild(&self, step: &str) -> u64 {
        let r = self.t.store.refresh_nexus().await.unwrap();
        assert!(!r.full, "{step}: an edit is incremental: {r:?}");
        let (links, cells) = (self.links().await, self.cells().await);
        assert!(self.t.store.rebuild_nexus().await.unwrap().full);
        assert_eq!(self.links().await, links, "{step}: links differ from a rebuild");
        assert_eq!(self.cells().await, cells, "{step}: cells differ from a rebuild");
        r.links_removed
    }
}

fn feature(geometry: &Value, name: &str) -> Value {
    json!({ "type": "Feature", "geometry": geometry, "properties": { "name": name } })
}

#[tokio::test]
async fn edited_features_relink_themselves_and_equal_a_rebuild() {
    let w = world().await;
    assert!(w.t.store.refresh_nexus().await.unwrap().full);
    let (wx, wy) = (LON + 0.03, LAT - north(LAT, 5_000.0));

    // A new house beside the treatment plant.
    let new_house = feature(&square(wx + east(wy, 50.0), wy - north(wy, 150.0), 60.0), "New house");
    w.edit("POST", "/collections/housing/items", &new_house).await;
    w.refresh_equals_rebuild("create").await;
    assert!(w.links().await.iter().any(|l| l.2 == "New house"));

    // A house renamed: only its own links go and come back (under the new name).
    let house = w.fid("housing", "Housing 200 m").await;
    let links = w.links().await;
    let own = links.iter().filter(|l| l.1 == "Housing 200 m" || l.2 == "Housing 200 m").count();
    let all = links.iter().filter(|l| l.1.contains("ous") || l.2.contains("ous")).count();
    assert!(own >= 1 && all > own, "both houses have links: {own} of {all}: {links:?}");
    w.edit("PATCH", &format!("/collections/housing/items/{house}"), &json!({ "properties": { "name": "Row houses" } }))
        .await;
    let removed = w.refresh_equals_rebuild("rename").await;
    assert_eq!(removed, own as u64, "only the renamed house's links were redone");
    assert!(w.links().await.iter().any(|l| l.2 == "Row houses"));

    // A dump moved from 600 m to 100 m of the canal: a new conflict appears.
    let dump = w.fid("dumps", "Dump 600 m").await;
    let moved = point(LON + 0.02, LAT + north(LAT, 100.0));
    w.edit("PATCH", &format!("/collections/dumps/items/{dump}"), &json!({ "geometry": moved })).await;
    w.refresh_equals_rebuild("move").await;
    assert!(super::has(&w.links().await, "landfill-surface-water", "Dump 600 m", "Canal").is_some());

    // A second new house and the other dump deleted, in two layers, before one refresh.
    let second = feature(&square(wx - east(wy, 60.0), wy + north(wy, 120.0), 40.0), "Second house");
    w.edit("POST", "/collections/housing/items", &second).await;
    let gone = w.fid("dumps", "Dump 400 m").await;
    w.edit("DELETE", &format!("/collections/dumps/items/{gone}"), &Value::Null).await;
    w.refresh_equals_rebuild("create and delete").await;
    let links = w.links().await;
    assert!(links.iter().any(|l| l.2 == "Second house"), "{links:?}");
    assert!(!links.iter().any(|l| l.1 == "Dump 400 m"));

    // The canal itself moved 300 m north: every link of it is redone.
    let canal = w.fid("canal", "Canal").await;
    let line = json!({ "type": "LineString", "coordinates": [[LON - 0.05, LAT + north(LAT, 300.0)], [LON + 0.05, LAT + north(LAT, 300.0)]] });
    w.edit("PUT", &format!("/collections/canal/items/{canal}"), &feature(&line, "Canal")).await;
    w.refresh_equals_rebuild("canal").await;

    // Then an upload of the layer as a whole: all of its links again, still equal.
    w.layer(
        "dumps",
        nexus_core::LayerKind::WasteSite,
        &[nexus_core::Sector::Waste],
        "chiang-mai",
        true,
        super::fc(&[(point(LON, LAT + north(LAT, 350.0)), super::named("Dump 350 m"))]),
    )
    .await;
    w.refresh_equals_rebuild("upload").await;
    let (s, _) = w.t.get_json("/collections/dumps/items").await;
    assert_eq!(s, StatusCode::OK);
}
