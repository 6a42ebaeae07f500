//! Links found by each rule on the built world, kept current edit by edit, and drawn where things meet.

use axum::http::StatusCode;
use nexus_core::{LayerKind, RuleSet, Sector};
use serde_json::{json, Value};

use super::*;

#[tokio::test]
async fn every_rule_finds_exactly_the_pairs_built_for_it() {
    let w = world().await;
    let r = w.t.store.refresh_nexus().await.unwrap();
    assert!(r.full && r.links_added > 0, "{r:?}");
    let links = w.links().await;
    let d =
        has(&links, "landfill-surface-water", "Dump 400 m", "Canal").expect("the dump 400 m from the canal conflicts");
    assert!((d - 400.0).abs() < 2.0, "distance on the ground: {d}");
    assert!(has(&links, "landfill-surface-water", "Dump 600 m", "Canal").is_none(), "600 m is beyond 500 m: {links:?}");
    let d = has(&links, "wwtp-biogas", "WWTP", "Digester 450 m").expect("biogas synergy");
    assert!((d - 450.0).abs() < 2.0, "{d}");
    let d = has(&links, "wwtp-housing", "WWTP", "Housing 200 m").expect("housing too close");
    assert!((d - 200.0).abs() < 2.0, "{d}");
    assert!(has(&links, "wwtp-housing", "WWTP", "Housing 300 m").is_none(), "300 m is beyond 250 m");
    let d = has(&links, "wwtp-farmland-reuse", "WWTP", "Farm 2.5 km").expect("reuse within 3 km");
    assert!((d - 2_500.0).abs() < 5.0, "{d}");
    assert!(has(&links, "heritage", "Drain across the wall", "Old town").is_some(), "constraint: {links:?}");
    assert!(has(&links, "heritage", "Drain outside the wall", "Old town").is_none());
    assert!(has(&links, "landfill-airport", "Landfill near CNX", "CNX").is_some(), "Thailand: the 3 km default");
    assert!(has(&links, "landfill-airport", "Landfill near WNP", "WNP").is_none(), "the Philippines: 2 km");
    assert!(!links.iter().any(|l| l.1 == "Secret dump"), "drafts stay out of the public overlay");
    // Nothing else: every link above is one built for.
    assert_eq!(links.len(), 6, "{links:#?}");

    // Each link names its rule, whose reasons the rules API gives, and has a geometry between
    // the two.
    let (_, page) = w.t.get_json("/collections/nexus-links/items?rule=wwtp-biogas").await;
    let f = &page["features"][0];
    assert_eq!(f["properties"]["effect"], "synergy");
    assert_eq!(f["properties"]["weight"], 2);
    assert_eq!(f["geometry"]["type"], "LineString");
    let (_, rules) = w.t.get_json("/api/nexus/rules").await;
    let rule = rules["rule"].as_array().unwrap().iter().find(|r| r["id"] == f["properties"]["rule"]).unwrap();
    assert!(rule["rationale"].as_str().unwrap().contains("biogas"));
    assert!(rule["source"].as_str().unwrap().contains("PPS18"));
    let (_, page) = w.t.get_json("/collections/nexus-links/items?rule=heritage").await;
    assert_eq!(page["features"][0]["geometry"]["type"], "Point", "an intersection is marked where it is");

    // The intensity grid: the cell where the dump's link has its middle counts the conflict;
    // the dump's own cell holds waste, the canal's water.
    let cell = |lon: f64, lat: f64| {
        let t = &w.t;
        async move {
            let (status, page) =
                t.get_json(&format!("/collections/nexus-hex/items?bbox={lon},{lat},{lon},{lat}")).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            page["features"].as_array().unwrap().first().map(|f| f["properties"].clone()).unwrap_or(Value::Null)
        }
    };
    let middle = cell(LON, LAT + north(LAT, 200.0)).await;
    assert_eq!(middle["conflicts"], 1, "{middle}");
    assert_eq!(middle["city"], "chiang-mai");
    let dump = cell(LON, LAT + north(LAT, 400.0)).await;
    assert!(dump["sector_list"].as_array().unwrap().contains(&json!("waste")), "{dump}");
    let canal = cell(LON + 0.04, LAT).await;
    assert_eq!(canal["sector_list"], json!(["water"]), "{canal}");
    assert_eq!((canal["conflicts"].as_i64(), canal["features"].as_i64()), (Some(0), Some(1)));
    let empty = cell(LON - 0.3, LAT - 0.3).await;
    assert!(empty.is_null(), "cells with nothing are not stored: {empty}");
    assert!(r.cells > 0);

    // A second refresh with nothing changed does nothing.
    let again = w.t.store.refresh_nexus().await.unwrap();
    assert!(!again.changed() && again.sources == 0, "{again:?}");

    // A city's country picks the national overrides: were Naga in Thailand, its landfill
    // 2.5 km from the airport would be within the 3 km default.
    let (client, conn) = tokio_postgres::connect(&w.t.db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.execute("UPDATE cities SET country = 'TH' WHERE slug = 'naga'", &[]).await.unwrap();
    let r = w.t.store.refresh_nexus().await.unwrap();
    assert!(r.full, "{r:?}");
    assert!(has(&w.links().await, "landfill-airport", "Landfill near WNP", "WNP").is_some());
}

#[tokio::test]
async fn an_edit_recomputes_only_what_it_touches() {
    let w = world().await;
    w.t.store.refresh_nexus().await.unwrap();
    let before = w.links().await;
    let revision = w.t.store.layer(&nexus_core::LayerId::new("nexus-links").unwrap()).await.unwrap().unwrap().revision;
    // The straddling drain is moved out of the heritage zone.
    let (hx, hy) = (LON, LAT + north(LAT, 10_000.0));
    let moved = json!({ "type": "LineString", "coordinates": [[hx - east(hy, 900.0), hy + north(hy, 500.0)], [hx - east(hy, 700.0), hy + north(hy, 500.0)]] });
    w.projects(&[(moved, project("cm-straddle", "Drain across the wall", None, &["water"]))]).await;
    let r = w.t.store.refresh_nexus().await.unwrap();
    assert!(!r.full && r.sources == 1 && r.links_removed == 1 && r.links_added == 0, "{r:?}");
    let _ = &before;
    let after = w.links().await;
    assert_eq!(after.len(), before.len() - 1);
    assert!(has(&after, "heritage", "Drain across the wall", "Old town").is_none());
    let now = w.t.store.layer(&nexus_core::LayerId::new("nexus-links").unwrap()).await.unwrap().unwrap().revision;
    assert!(now > revision, "the links layer has a new revision, so tiles refresh");
    // Only the cells around the drain were looked at again, and the constraint is gone there.
    assert!(r.cells > 0 && r.cells < 10, "{r:?}");
    let (_, page) = w.t.get_json("/collections/nexus-hex/items?limit=10000").await;
    let constraints: i64 =
        page["features"].as_array().unwrap().iter().map(|f| f["properties"]["constraints"].as_i64().unwrap()).sum();
    assert_eq!(constraints, 0);

    // A new dump beside the canal arrives with a re-ingest of its layer.
    w.layer(
        "dumps",
        LayerKind::WasteSite,
        &[Sector::Waste],
        "chiang-mai",
        true,
        fc(&[(point(LON + 0.01, LAT - north(LAT, 100.0)), named("Dump 100 m"))]),
    )
    .await;
    let r = w.t.store.refresh_nexus().await.unwrap();
    assert!(!r.full && r.sources == 1, "{r:?}");
    let links = w.links().await;
    assert!(has(&links, "landfill-surface-water", "Dump 100 m", "Canal").is_some());
    assert!(has(&links, "landfill-surface-water", "Dump 400 m", "Canal").is_none(), "the layer was replaced");

    // What the edits left is what a rebuild from scratch finds, links and grid alike.
    let (links, cells) = (w.links().await, w.cells().await);
    assert!(w.t.store.rebuild_nexus().await.unwrap().full);
    assert_eq!(w.links().await, links);
    assert_eq!(w.cells().await, cells);

    // New rules recompute everything.
    let mut rules = w.t.store.rule_set().await.unwrap();
    rules.rules.retain(|r| r.id != "heritage");
    assert!(w.t.store.replace_rules(&rules).await.unwrap());
    let r = w.t.store.refresh_nexus().await.unwrap();
    assert!(r.full, "{r:?}");
    assert!(!w.links().await.iter().any(|l| l.0 == "heritage"));
}

/// A small deterministic generator (no dependency for a test's dice).
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        #[allow(clippy::cast_precision_loss, reason = "a fraction from the top 53 bits")]
        let f = (self.0 >> 11) as f64 / (1u64 << 53) as f64;
        f
    }
}

#[tokio::test]
async fn after_any_run_of_edits_the_overlays_are_what_a_rebuild_finds() {
    let w = world().await;
    w.t.store.refresh_nexus().await.unwrap();
    let mut dice = Dice(7);
    let mut sizes = std::collections::BTreeSet::new();
    for step in 0..10 {
        // Somewhere within 1.5 km of the canal, where the rules have things to find.
        let near = |d: &mut Dice| point(LON + (d.next() - 0.5) * 0.03, LAT + north(LAT, (d.next() - 0.5) * 1_500.0));
        match step % 3 {
            0 => {
                let kinds = [("waste_site", "waste"), ("biogas_plant", "energy"), ("settlement", "land")];
                let (kind, sector) = kinds[step % kinds.len()];
                let mut p = project(&format!("cm-step-{}", step % 4), "A moving project", Some(kind), &[sector]);
                if dice.next() < 0.3 {
                    p["visibility"] = json!("draft");
                }
                w.projects(&[(near(&mut dice), p)]).await;
            }
            1 => {
                let dumps: Vec<(Value, Value)> =
                    (0..3).map(|i| (near(&mut dice), named(&format!("Dump {step}.{i}")))).collect();
                w.layer("dumps", LayerKind::WasteSite, &[Sector::Waste], "chiang-mai", true, fc(&dumps)).await;
            }
            _ => {
                let (hx, hy) = (LON, LAT + north(LAT, 10_000.0));
                let x = hx + east(hy, (dice.next() - 0.5) * 2_000.0);
                let line = json!({ "type": "LineString", "coordinates": [[x, hy + north(hy, 500.0)], [x + east(hy, 300.0), hy + north(hy, 500.0)]] });
                w.projects(&[(line, project("cm-straddle", "Drain across the wall", None, &["water"]))]).await;
            }
        }
        let r = w.t.store.refresh_nexus().await.unwrap();
        assert!(!r.full, "step {step}: an edit is incremental: {r:?}");
        let (links, cells) = (w.links().await, w.cells().await);
        assert!(w.t.store.rebuild_nexus().await.unwrap().full);
        assert_eq!(w.links().await, links, "step {step}: links");
        assert_eq!(w.cells().await, cells, "step {step}: cells");
        sizes.insert(links.len());
    }
    assert!(sizes.len() > 2, "the edits made and unmade links: {sizes:?}");
}

#[tokio::test]
async fn a_layer_that_fits_both_ends_of_a_rule_links_each_pair_once_and_counts_once() {
    let t = TestApp::with(|c| c.nexus_overlays = false).await;
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cities.geojson")).unwrap();
    t.store.upsert_cities(&CityCollection::from_geojson(&text).unwrap().0).await.unwrap();
    let rules: RuleSet = toml::from_str(
        r#"
        [grid]
        hex_size_m = 2000
        [[rule]]
        id = "water-food"
        title = "Water meets food"
        from = { sectors = ["water"] }
        to = { sectors = ["food"] }
        distance_m = 1000
        effect = "synergy"
        weight = 1
        rationale = "A test rule whose two ends a water-and-food layer fits both."
        source = "Built for this test."
        "#,
    )
    .unwrap();
    t.store.replace_rules(&rules).await.unwrap();
    let w = World { t, _dir: tempfile::tempdir().unwrap() };
    // Irrigation ditches are water and food at once; two of them 300 m apart, and a second
    // such layer with one ditch 300 m from the first.
    let ditches = fc(&[(point(LON, LAT), named("Ditch A")), (point(LON + east(LAT, 300.0), LAT), named("Ditch B"))]);
    w.layer("ditches", LayerKind::Other, &[Sector::Water, Sector::Food], "chiang-mai", true, ditches).await;
    let more = fc(&[(point(LON, LAT + north(LAT, 300.0)), named("Ditch C"))]);
    w.layer("more-ditches", LayerKind::Other, &[Sector::Water, Sector::Food], "chiang-mai", true, more).await;
    // Two projects that are water and food too, within reach of each other and of the ditches.
    let farm_pond = |slug: &str, title: &str| {
        json!({ "slug": slug, "city": "chiang-mai", "title": title, "sectors": ["water", "food"],
                "status": "planned", "visibility": "public" })
    };
    w.projects(&[
        (point(LON, LAT + north(LAT, 600.0)), farm_pond("cm-pond-1", "Pond 1")),
        (point(LON + east(LAT, 300.0), LAT + north(LAT, 600.0)), farm_pond("cm-pond-2", "Pond 2")),
    ])
    .await;
    w.t.store.refresh_nexus().await.unwrap();
    let links = w.links().await;
    // A-B, A-C, B-C, the two ponds, and each pond with each ditch: every pair once, whichever
    // way round.
    assert_eq!(links.len(), 10, "{links:#?}");
    let mut pairs: Vec<(String, String)> =
        links.iter().map(|l| if l.1 < l.2 { (l.1.clone(), l.2.clone()) } else { (l.2.clone(), l.1.clone()) }).collect();
    pairs.sort();
    pairs.dedup();
    assert_eq!(pairs.len(), 10, "{links:#?}");
    // A pond's profile counts each of its links once too.
    let (_, profile) = w.t.get_json("/api/projects/cm-pond-1/nexus").await;
    assert_eq!(profile["links"].as_array().unwrap().len(), 4, "the other pond and three ditches: {profile}");
    // The grid counts each feature once, however many sectors its layer has.
    let cells = w.cells().await;
    let total: i64 = w.t.get_json("/collections/nexus-hex/items?limit=1000").await.1["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["features"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 3, "three points, each in one cell, once: {cells:#?}");
    let (_, cell) = w.t.get_json(&format!("/collections/nexus-hex/items?bbox={LON},{LAT},{LON},{LAT}")).await;
    let p = &cell["features"][0]["properties"];
    assert_eq!(p["sector_list"], json!(["food", "water"]), "{p}");
    // An incremental edit agrees with the rebuild.
    let moved = fc(&[(point(LON + east(LAT, 600.0), LAT + north(LAT, 300.0)), named("Ditch C"))]);
    w.layer("more-ditches", LayerKind::Other, &[Sector::Water, Sector::Food], "chiang-mai", true, moved).await;
    let r = w.t.store.refresh_nexus().await.unwrap();
    assert!(!r.full);
    let (links, cells) = (w.links().await, w.cells().await);
    w.t.store.rebuild_nexus().await.unwrap();
    assert_eq!((w.links().await, w.cells().await), (links, cells));
}

#[tokio::test]
async fn a_link_between_things_that_touch_is_drawn_where_they_meet() {
    let w = world().await;
    // A riverside park laid along the middle of the canal, which runs from LON - 0.05 to
    // LON + 0.05: their link belongs halfway along the park, not at either end of the canal.
    let park = json!({ "type": "LineString", "coordinates": [[LON + 0.01, LAT], [LON + 0.03, LAT]] });
    w.projects(&[(park, project("cm-riverside-park", "Riverside park", Some("green_infrastructure"), &["land"]))])
        .await;
    w.t.store.refresh_nexus().await.unwrap();
    w.settle().await;
    let (_, page) = w.t.get_json("/collections/nexus-links/items?limit=1000").await;
    let link = page["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["from_name"] == "Riverside park" && f["properties"]["rule"] == "green-riparian")
        .unwrap_or_else(|| panic!("no link of the park: {page}"))
        .clone();
    // On the ground the two are within a metre (a line along a parallel is not a geodesic).
    assert!(link["properties"]["distance_m"].as_f64().unwrap() < 1.0, "{link}");
    assert_eq!(link["geometry"]["type"], "Point", "{link}");
    let at = &link["geometry"]["coordinates"];
    assert!((at[0].as_f64().unwrap() - (LON + 0.02)).abs() < 1e-6, "{at}");
    assert!((at[1].as_f64().unwrap() - LAT).abs() < 1e-6, "{at}");
}

/// A base-map river (Natural Earth, simplified to a kilometre) beside a dump is context, not
/// a thing planned: it makes no link, not in the overlays and not in a what-if, while the
/// same line as an ordinary layer does.
#[tokio::test]
async fn a_base_map_layer_is_never_an_input_of_the_overlays() {
    let w = world().await;
    let river = json!({ "type": "LineString", "coordinates": [[LON - 0.05, LAT + north(LAT, 700.0)], [LON + 0.05, LAT + north(LAT, 700.0)]] });
    let file = w._dir.path().join("base-river.geojson");
    std::fs::write(&file, fc(&[(river, named("Base river"))])).unwrap();
    for (id, basemap) in [("base-river", true), ("river-as-data", false)] {
        let mut o = nexus_ingest::IngestOptions::new(&file, nexus_core::LayerId::new(id).unwrap());
        o.meta.kind = Some(LayerKind::Waterway);
        o.meta.sectors = Some(vec![Sector::Water]);
        o.meta.basemap = Some(basemap);
        o.meta.visibility = Some(nexus_core::Visibility::Public);
        let r = nexus_ingest::ingest(&w.t.store, o, std::sync::Arc::new(nexus_ingest::NoProgress)).await.unwrap();
        assert!(r.committed);
        let (_, layer) = w.t.get_json(&format!("/api/layers/{id}")).await;
        assert_eq!(layer["basemap"], basemap, "{layer}");
        if !basemap {
            continue;
        }
        w.t.store.refresh_nexus().await.unwrap();
        assert!(!w.links().await.iter().any(|l| l.2 == "Base river"), "the base map links to nothing");
        let sketch = json!({ "geometry": point(LON, LAT + north(LAT, 650.0)), "kind": "waste_site",
                             "sectors": ["waste"], "city": "chiang-mai" });
        let req = axum::http::Request::post("/api/nexus/evaluate")
            .header("content-type", "application/json")
            .body(axum::body::Body::from(sketch.to_string()))
            .unwrap();
        let (_, _, answer) = w.t.send(req).await;
        assert!(!answer.to_string().contains("Base river"), "nor in a what-if: {answer}");
        let looked_at = answer["checked"]["layers"].as_array().unwrap();
        assert!(looked_at.contains(&json!("canal")) && !looked_at.contains(&json!("base-river")), "{answer}");
    }
    w.t.store.refresh_nexus().await.unwrap();
    assert!(w.links().await.iter().any(|l| l.2 == "Base river"), "as ordinary data the same line links");
}
