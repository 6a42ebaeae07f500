//! The overlays served: tiles and features that follow every change, profiles and summaries.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nexus_core::{LayerKind, RuleSet, Sector};
use serde_json::{json, Value};

use super::*;
use crate::support::PLANNER_TOKEN;

#[tokio::test]
async fn the_server_keeps_the_overlays_current_and_serves_them_as_tiles() {
    let t = TestApp::new().await;
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cities.geojson")).unwrap();
    t.store.upsert_cities(&CityCollection::from_geojson(&text).unwrap().0).await.unwrap();
    let rules: RuleSet = toml::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/nexus-rules.toml")).unwrap(),
    )
    .unwrap();
    t.store.replace_rules(&rules).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let w = World { t, _dir: dir };
    let canal = json!({ "type": "LineString", "coordinates": [[LON - 0.05, LAT], [LON + 0.05, LAT]] });
    w.layer("canal", LayerKind::Waterway, &[Sector::Water], "chiang-mai", true, fc(&[(canal, named("Canal"))])).await;
    w.layer(
        "dumps",
        LayerKind::WasteSite,
        &[Sector::Waste],
        "chiang-mai",
        true,
        fc(&[(point(LON, LAT + north(LAT, 100.0)), named("Dump"))]),
    )
    .await;
    // No explicit refresh: the server hears the ingest and updates the overlays itself.
    let mut found = Value::Null;
    for _ in 0..200 {
        let (status, page) = w.t.get_json("/collections/nexus-links/items").await;
        if status == StatusCode::OK && page["numberMatched"] == 1 {
            found = page;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(found["features"][0]["properties"]["from_name"], "Dump", "the overlay did not follow the ingest");
    let links = nexus_core::LayerId::new("nexus-links").unwrap();
    let layer = w.t.store.layer(&links).await.unwrap().unwrap();
    w.t.await_revision("nexus-links", layer.revision).await;
    let tile = nexus_core::TileCoord::containing(LON, LAT, 14);
    let (status, ctype, body) = w.t.get(&format!("/tiles/nexus-links/14/{}/{}.mvt", tile.x, tile.y)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert!(ctype.contains("mapbox-vector-tile"));
    let reader = mvt_reader::Reader::new(body).unwrap();
    let features = reader.get_features(0).unwrap();
    assert_eq!(features.len(), 1);
}

#[tokio::test]
async fn a_project_profile_and_a_city_summary_add_up() {
    let w = world().await;
    // A biogas project beside the treatment plant, on the housing, and a draft one.
    let (wx, wy) = (LON + 0.03, LAT - north(LAT, 5_000.0));
    let on_housing = point(wx + east(wy, 50.0), wy + north(wy, 250.0));
    w.projects(&[
        (on_housing, project("cm-digester", "Digester for the plant", Some("biogas_plant"), &["energy", "waste"])),
        (
            point(LON, LAT + north(LAT, 50.0)),
            json!({ "slug": "cm-hidden", "city": "chiang-mai", "title": "Hidden", "sectors": ["waste"], "kind": "waste_site",
                    "status": "idea", "visibility": "draft" }),
        ),
    ])
    .await;
    w.t.store.refresh_nexus().await.unwrap();

    let (status, p) = w.t.get_json("/api/projects/cm-digester/nexus").await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["touches"][0]["layer"], "housing", "{p}");
    assert_eq!(p["sectors_on_the_ground"], json!(["energy", "land", "waste"]));
    assert_eq!(p["cross_sector"], true);
    let rules: Vec<&str> =
        p["links"].as_array().unwrap().iter().map(|l| l["properties"]["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"wwtp-biogas"), "the plant 250 m away feeds it: {rules:?}");
    assert!(rules.contains(&"biogas-housing"), "it stands on housing: {rules:?}");
    assert_eq!(p["summary"]["synergy"], rules.iter().filter(|r| **r == "wwtp-biogas").count());
    // The profile agrees with the stored overlay for public projects.
    let (_, stored) = w.t.get_json("/collections/nexus-links/items?limit=1000").await;
    let stored_for_it = stored["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["properties"]["from_ref"] == "project:cm-digester" || f["properties"]["to_ref"] == "project:cm-digester"
        })
        .count();
    assert_eq!(stored_for_it, rules.len());

    let (status, _) = w.t.get_json("/api/projects/cm-hidden/nexus").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "drafts are for planners");
    let req = Request::get("/api/projects/cm-hidden/nexus")
        .header("authorization", format!("Bearer {PLANNER_TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let (status, _, hidden) = w.t.send(req).await;
    assert_eq!(status, StatusCode::OK);
    assert!(hidden["links"].as_array().unwrap().iter().any(|l| l["properties"]["rule"] == "landfill-surface-water"));
    let (status, _) = w.t.get_json("/api/projects/no-such/nexus").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, s) = w.t.get_json("/api/cities/chiang-mai/nexus").await;
    assert_eq!(status, StatusCode::OK, "{s}");
    let sectors: Vec<&str> = s["sectors"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
    let at = |x: &str| sectors.iter().position(|s| *s == x).unwrap();
    let conflicts = &s["matrix"]["conflict"];
    // Dump-canal (waste-water), plant-housing (water-land), airport (waste-land), digester-housing (energy/waste-land).
    assert_eq!(conflicts[at("waste")][at("water")], 1, "{s}");
    assert_eq!(conflicts[at("water")][at("waste")], 1, "symmetric");
    assert_eq!(
        s["links"]["conflict"].as_i64().unwrap(),
        s["rules"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(r, _)| ["landfill-surface-water", "wwtp-housing", "landfill-airport", "biogas-housing"]
                .contains(&r.as_str()))
            .map(|(_, n)| n.as_i64().unwrap())
            .sum::<i64>()
    );
    assert_eq!(s["projects"]["status"]["planned"], 3, "public projects only: {s}");
    assert_eq!(s["cross_sector_projects"], 1);
    assert!(s["cells"].as_i64().unwrap() > 0 && s["max_sectors_in_a_cell"].as_i64().unwrap() >= 2);
    let (status, _) = w.t.get_json("/api/cities/atlantis/nexus").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn projects_are_a_tile_source_that_follows_every_edit() {
    let t = TestApp::new().await;
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cities.geojson")).unwrap();
    t.store.upsert_cities(&CityCollection::from_geojson(&text).unwrap().0).await.unwrap();
    let w = World { t, _dir: tempfile::tempdir().unwrap() };
    let draft = json!({ "slug": "cm-draft", "city": "chiang-mai", "title": "Draft", "sectors": ["water"], "status": "idea",
                        "visibility": "draft" });
    w.projects(&[
        (point(LON, LAT), project("cm-pump", "Efficient pumps", None, &["energy", "water"])),
        (point(LON + 0.001, LAT), draft),
    ])
    .await;
    let tile = nexus_core::TileCoord::containing(LON, LAT, 12);
    let uri = format!("/tiles/projects/12/{}/{}.mvt", tile.x, tile.y);
    let features = |body: Vec<u8>| {
        let reader = mvt_reader::Reader::new(body).unwrap();
        assert_eq!(reader.get_layer_names().unwrap(), ["projects"]);
        reader.get_features(0).unwrap()
    };
    let mut found = Vec::new();
    for _ in 0..200 {
        let (status, _, body) = w.t.get(&uri).await;
        if status == StatusCode::OK {
            found = features(body);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(found.len(), 1, "the public project only");
    let props = found[0].properties.clone().unwrap();
    assert_eq!(props.get("slug"), Some(&mvt_reader::feature::Value::String("cm-pump".into())));
    assert_eq!(props.get("sector"), Some(&mvt_reader::feature::Value::String("energy".into())));
    let (_, tj) = w.t.get_json("/tiles/projects.json").await;
    assert!(tj["vector_layers"][0]["fields"].get("status").is_some(), "{tj}");
    let before = tj["version"].clone();
    // An edit moves the project away: the tile follows at once.
    w.projects(&[(point(LON + 1.0, LAT), project("cm-pump", "Efficient pumps", None, &["energy", "water"]))]).await;
    let mut gone = false;
    for _ in 0..200 {
        let (status, _, _) = w.t.get(&uri).await;
        if status == StatusCode::NO_CONTENT {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(gone, "the moved project left the tile");
    let (_, tj) = w.t.get_json("/tiles/projects.json").await;
    assert_ne!(tj["version"], before, "tile URLs carry the new revision");
}

#[tokio::test]
async fn a_cell_that_only_empties_is_a_change_the_tiles_hear_of() {
    let w = world().await;
    w.t.store.refresh_nexus().await.unwrap();
    // A public project alone, far from everything: its own cell.
    let far = point(LON - 0.2, LAT - 0.2);
    w.projects(&[(far.clone(), project("cm-lonely", "A lonely pump", None, &["energy"]))]).await;
    w.t.store.refresh_nexus().await.unwrap();
    let (_, cell) =
        w.t.get_json(&format!("/collections/nexus-hex/items?bbox={0},{1},{0},{1}", LON - 0.2, LAT - 0.2)).await;
    assert_eq!(cell["features"][0]["properties"]["projects"], 1, "{cell}");
    let hex = nexus_core::LayerId::new("nexus-hex").unwrap();
    let before = w.t.store.layer(&hex).await.unwrap().unwrap();
    // It becomes a draft: its cell is gone from the public grid, and the grid has a new revision.
    let mut p = project("cm-lonely", "A lonely pump", None, &["energy"]);
    p["visibility"] = json!("draft");
    w.projects(&[(far, p)]).await;
    let r = w.t.store.refresh_nexus().await.unwrap();
    assert!(r.cells > 0 && r.links_added == 0 && r.links_removed == 0, "{r:?}");
    let after = w.t.store.layer(&hex).await.unwrap().unwrap();
    assert!(after.revision > before.revision, "tiles must hear of it");
    assert_eq!(after.feature_count, before.feature_count - 1);
    w.settle().await;
    let (_, cell) =
        w.t.get_json(&format!("/collections/nexus-hex/items?bbox={0},{1},{0},{1}", LON - 0.2, LAT - 0.2)).await;
    assert_eq!(cell["features"].as_array().unwrap().len(), 0, "{cell}");
}
