//! The Nexus overlays on small worlds whose answers are known by construction: features
//! placed at chosen distances on the ground (a waste site 400 m and another 600 m from a
//! canal, a project straddling a heritage boundary, …), national overrides, drafts kept out,
//! the incremental recompute after an edit, the what-if evaluation, and the overlays served
//! as tiles and features like any layer.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nexus_core::{CityCollection, LayerKind, ProjectCollection, RuleSet, Sector, Visibility};
use serde_json::{json, Value};

use crate::support::{TestApp, PLANNER_TOKEN};

/// WGS 84.
const A: f64 = 6_378_137.0;
const E2: f64 = 0.006_694_379_990_14;

/// Degrees of latitude for `m` metres north at latitude `lat`.
fn north(lat: f64, m: f64) -> f64 {
    let s = lat.to_radians().sin();
    let meridional = A * (1.0 - E2) / (1.0 - E2 * s * s).powf(1.5);
    (m / meridional).to_degrees()
}

/// Degrees of longitude for `m` metres east at latitude `lat`.
fn east(lat: f64, m: f64) -> f64 {
    let s = lat.to_radians().sin();
    let normal = A / (1.0 - E2 * s * s).sqrt();
    (m / (normal * lat.to_radians().cos())).to_degrees()
}

/// Chiang Mai's latitude, where the world is built; Naga's for the override.
const LAT: f64 = 18.79;
const LON: f64 = 99.0;
const NAGA: (f64, f64) = (123.19, 13.62);

fn point(lon: f64, lat: f64) -> Value {
    json!({ "type": "Point", "coordinates": [lon, lat] })
}

/// A square of `side` metres whose south-west corner is at (lon, lat).
fn square(lon: f64, lat: f64, side: f64) -> Value {
    let (dx, dy) = (east(lat, side), north(lat, side));
    json!({ "type": "Polygon", "coordinates": [[[lon, lat], [lon + dx, lat], [lon + dx, lat + dy], [lon, lat + dy], [lon, lat]]] })
}

fn fc(features: &[(Value, Value)]) -> String {
    let features: Vec<Value> =
        features.iter().map(|(g, p)| json!({ "type": "Feature", "geometry": g, "properties": p })).collect();
    json!({ "type": "FeatureCollection", "features": features }).to_string()
}

struct World {
    t: TestApp,
    _dir: tempfile::TempDir,
}

impl World {
    async fn layer(&self, id: &str, kind: LayerKind, sectors: &[Sector], city: &str, public: bool, geojson: String) {
        let file = self._dir.path().join(format!("{id}.geojson"));
        std::fs::write(&file, geojson).unwrap();
        let mut o = nexus_ingest::IngestOptions::new(&file, nexus_core::LayerId::new(id).unwrap());
        o.meta.kind = Some(kind);
        o.meta.sectors = Some(sectors.to_vec());
        o.meta.city = Some(nexus_core::CitySlug::new(city).unwrap());
        o.meta.visibility = Some(if public { Visibility::Public } else { Visibility::Draft });
        let r = nexus_ingest::ingest(&self.t.store, o, std::sync::Arc::new(nexus_ingest::NoProgress)).await.unwrap();
        assert!(r.committed, "{id}");
    }

    async fn projects(&self, features: &[(Value, Value)]) {
        let projects = ProjectCollection::from_geojson(&fc(features)).unwrap().0;
        self.t.store.upsert_projects(&projects).await.unwrap();
    }

    /// Waits until this server's catalog has seen the overlays' latest revisions (a refresh
    /// run straight on the store reaches it as a notification, like one from another instance).
    async fn settle(&self) {
        for id in ["nexus-links", "nexus-hex"] {
            if let Some(l) = self.t.store.layer(&nexus_core::LayerId::new(id).unwrap()).await.unwrap() {
                self.t.await_revision(id, l.revision).await;
            }
        }
    }

    /// Every stored cell of the grid as its first corner (to a centimetre or so) and counts.
    async fn cells(&self) -> Vec<String> {
        self.settle().await;
        let (status, page) = self.t.get_json("/collections/nexus-hex/items?limit=10000").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let mut out: Vec<String> = page["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let c = &f["geometry"]["coordinates"][0][0];
                let round = |v: &Value| format!("{:.6}", v.as_f64().unwrap());
                format!("{} {} {}", round(&c[0]), round(&c[1]), f["properties"])
            })
            .collect();
        out.sort();
        out
    }

    /// Every stored link as (rule, from name, to name, distance).
    async fn links(&self) -> Vec<(String, String, String, f64)> {
        self.settle().await;
        let (status, page) = self.t.get_json("/collections/nexus-links/items?limit=10000").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let mut out: Vec<(String, String, String, f64)> = page["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let p = &f["properties"];
                (
                    p["rule"].as_str().unwrap().to_owned(),
                    p["from_name"].as_str().unwrap().to_owned(),
                    p["to_name"].as_str().unwrap().to_owned(),
                    p["distance_m"].as_f64().unwrap(),
                )
            })
            .collect();
        out.sort_by(|a, b| a.partial_cmp(b).unwrap());
        out
    }
}

fn named(name: &str) -> Value {
    json!({ "name": name })
}

fn project(slug: &str, title: &str, kind: Option<&str>, sectors: &[&str]) -> Value {
    json!({ "slug": slug, "city": "chiang-mai", "title": title, "kind": kind, "sectors": sectors,
            "status": "planned", "visibility": "public" })
}

/// The built world: a canal along latitude LAT; waste sites 400 m and 600 m north of it; a
/// treatment plant with a biogas plant 450 m east, housing 200 m and 300 m away, farmland
/// 2.5 km away; a heritage square; and a landfill 2.5 km from an airport in Chiang Mai and
/// in Naga (the Philippines' 2,000 m override keeps Naga's apart).
async fn world() -> World {
    let t = TestApp::with(|c| c.nexus_overlays = false).await;
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cities.geojson")).unwrap();
    t.store.upsert_cities(&CityCollection::from_geojson(&text).unwrap().0).await.unwrap();
    let rules: RuleSet = toml::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/nexus-rules.toml")).unwrap(),
    )
    .unwrap();
    t.store.replace_rules(&rules).await.unwrap();
    let w = World { t, _dir: tempfile::tempdir().unwrap() };
    let canal = json!({ "type": "LineString", "coordinates": [[LON - 0.05, LAT], [LON + 0.05, LAT]] });
    w.layer("canal", LayerKind::Waterway, &[Sector::Water], "chiang-mai", true, fc(&[(canal, named("Canal"))])).await;
    w.layer(
        "dumps",
        LayerKind::WasteSite,
        &[Sector::Waste],
        "chiang-mai",
        true,
        fc(&[
            (point(LON, LAT + north(LAT, 400.0)), named("Dump 400 m")),
            (point(LON + 0.02, LAT + north(LAT, 600.0)), named("Dump 600 m")),
        ]),
    )
    .await;
    let (wx, wy) = (LON + 0.03, LAT - north(LAT, 5_000.0));
    w.layer(
        "wwtp",
        LayerKind::TreatmentPlant,
        &[Sector::Water],
        "chiang-mai",
        true,
        fc(&[(point(wx, wy), named("WWTP"))]),
    )
    .await;
    w.layer(
        "biogas",
        LayerKind::BiogasPlant,
        &[Sector::Energy],
        "chiang-mai",
        true,
        fc(&[(point(wx + east(wy, 450.0), wy), named("Digester 450 m"))]),
    )
    .await;
    w.layer(
        "housing",
        LayerKind::Settlement,
        &[Sector::Land],
        "chiang-mai",
        true,
        fc(&[
            (square(wx, wy + north(wy, 200.0), 100.0), named("Housing 200 m")),
            (square(wx - east(wy, 400.0), wy - north(wy, 300.0) - north(wy, 100.0), 100.0), named("Housing 300 m")),
        ]),
    )
    .await;
    w.layer(
        "farms",
        LayerKind::Farmland,
        &[Sector::Food],
        "chiang-mai",
        true,
        fc(&[(square(wx, wy - north(wy, 2_500.0) - north(wy, 500.0), 500.0), named("Farm 2.5 km"))]),
    )
    .await;
    // Heritage: a 1 km square well north of everything else.
    let (hx, hy) = (LON, LAT + north(LAT, 10_000.0));
    w.layer(
        "heritage",
        LayerKind::HeritageZone,
        &[Sector::Land],
        "chiang-mai",
        true,
        fc(&[(square(hx, hy, 1_000.0), named("Old town"))]),
    )
    .await;
    // Airports 2.5 km from a landfill, in Chiang Mai (3 km applies) and in Naga (2 km applies).
    let (ax, ay) = (LON + 0.2, LAT);
    w.layer(
        "cm-airport",
        LayerKind::Airport,
        &[Sector::Land],
        "chiang-mai",
        true,
        fc(&[(point(ax, ay), named("CNX"))]),
    )
    .await;
    w.layer(
        "cm-landfill",
        LayerKind::WasteSite,
        &[Sector::Waste],
        "chiang-mai",
        true,
        fc(&[(point(ax, ay + north(ay, 2_500.0)), named("Landfill near CNX"))]),
    )
    .await;
    w.layer(
        "naga-airport",
        LayerKind::Airport,
        &[Sector::Land],
        "naga",
        true,
        fc(&[(point(NAGA.0, NAGA.1), named("WNP"))]),
    )
    .await;
    w.layer(
        "naga-landfill",
        LayerKind::WasteSite,
        &[Sector::Waste],
        "naga",
        true,
        fc(&[(point(NAGA.0, NAGA.1 + north(NAGA.1, 2_500.0)), named("Landfill near WNP"))]),
    )
    .await;
    // A draft dump beside the canal: drafts stay out of the public overlays.
    w.layer(
        "draft-dumps",
        LayerKind::WasteSite,
        &[Sector::Waste],
        "chiang-mai",
        false,
        fc(&[(point(LON, LAT + north(LAT, 50.0)), named("Secret dump"))]),
    )
    .await;
    // Projects: one straddles the heritage boundary, one lies outside it.
    let straddle = json!({ "type": "LineString", "coordinates": [[hx - east(hy, 200.0), hy + north(hy, 500.0)], [hx + east(hy, 200.0), hy + north(hy, 500.0)]] });
    let outside = json!({ "type": "LineString", "coordinates": [[hx - east(hy, 600.0), hy + north(hy, 500.0)], [hx - east(hy, 300.0), hy + north(hy, 500.0)]] });
    w.projects(&[
        (straddle, project("cm-straddle", "Drain across the wall", None, &["water"])),
        (outside, project("cm-outside", "Drain outside the wall", None, &["water"])),
    ])
    .await;
    w
}

fn has(links: &[(String, String, String, f64)], rule: &str, from: &str, to: &str) -> Option<f64> {
    links.iter().find(|l| l.0 == rule && l.1 == from && l.2 == to).map(|l| l.3)
}

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

#[tokio::test]
async fn the_what_if_answers_without_storing_anything() {
    let w = world().await;
    w.t.store.refresh_nexus().await.unwrap();
    let before = w.links().await;
    let sketch = json!({
        "geometry": point(LON + 0.03, LAT + north(LAT, 300.0)),
        "kind": "waste_site", "sectors": ["waste"], "city": "chiang-mai"
    });
    let req = Request::post("/api/nexus/evaluate")
        .header("content-type", "application/json")
        .body(Body::from(sketch.to_string()))
        .unwrap();
    let (status, _, answer) = w.t.send(req).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let features = answer["features"].as_array().unwrap();
    assert_eq!(features.len(), 1, "{answer}");
    let p = &features[0]["properties"];
    assert_eq!(
        (p["rule"].as_str(), p["to_name"].as_str(), p["from_layer"].as_str()),
        (Some("landfill-surface-water"), Some("Canal"), Some("draft"))
    );
    assert!((p["distance_m"].as_f64().unwrap() - 300.0).abs() < 2.0, "{p}");
    assert_eq!(answer["summary"]["conflicts"], 1);
    assert_eq!(w.links().await, before, "nothing was stored");
    // It says what it checked: the waste site's rules (the airport's 3 km the farthest in
    // Thailand), run against the canal among others.
    let checked = &answer["checked"];
    assert_eq!(checked["rules_total"], 15, "{checked}");
    let ids: Vec<&str> = checked["rules"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    for id in ["landfill-surface-water", "landfill-airport", "waste-energy", "heritage"] {
        assert!(ids.contains(&id), "{id}: {checked}");
    }
    assert!(!ids.contains(&"wwtp-biogas"), "{checked}");
    assert_eq!(checked["within_m"], 3000.0, "{checked}");
    assert!(checked["layers"].as_array().unwrap().contains(&json!("canal")), "{checked}");
    assert_eq!(checked["projects"], true, "{checked}");
    // How far each applicable rule looks, nearest first, and a ring on the ground for each.
    let reach: Vec<f64> =
        checked["reach"].as_array().unwrap().iter().map(|r| r["distance_m"].as_f64().unwrap()).collect();
    assert_eq!(reach, [0.0, 500.0, 1000.0, 3000.0], "{checked}");
    assert!(checked["reach"][3]["rules"].as_array().unwrap().contains(&json!("Landfill near an airport")));
    let rings = answer["rings"]["features"].as_array().unwrap();
    assert_eq!(rings.len(), 3, "no ring for 'must touch': {}", answer["rings"]);
    for ring in rings {
        let d = ring["properties"]["distance_m"].as_f64().unwrap();
        let xs: Vec<f64> =
            ring["geometry"]["coordinates"][0].as_array().unwrap().iter().map(|p| p[0].as_f64().unwrap()).collect();
        let width = xs.iter().copied().fold(f64::MIN, f64::max) - xs.iter().copied().fold(f64::MAX, f64::min);
        let want = 2.0 * east(LAT + north(LAT, 300.0), d);
        assert!((width - want).abs() < want * 0.02, "ring of {d} m is {width}° wide, not {want}°");
    }
    // The same place said only to be "waste", with no kind: no landfill rule fits it, and
    // the answer says so rather than giving a bare all-clear.
    let vague =
        json!({ "geometry": point(LON + 0.03, LAT + north(LAT, 300.0)), "sectors": ["waste"], "city": "chiang-mai" });
    let (_, _, answer) =
        w.t.send(Request::post("/api/nexus/evaluate").body(Body::from(vague.to_string())).unwrap()).await;
    assert_eq!(answer["summary"]["conflicts"], 0, "{answer}");
    assert_eq!(answer["checked"]["rules"], json!(["heritage"]), "{answer}");
    assert_eq!(answer["checked"]["within_m"], 0.0, "{answer}");

    // The same sketch as a biogas plant beside the treatment plant is a synergy.
    let (wx, wy) = (LON + 0.03, LAT - north(LAT, 5_000.0));
    let sketch = json!({ "geometry": point(wx - east(wy, 300.0), wy), "kind": "biogas_plant", "sectors": ["energy"], "city": "chiang-mai" });
    let req = Request::post("/api/nexus/evaluate").body(Body::from(sketch.to_string())).unwrap();
    let (_, _, answer) = w.t.send(req).await;
    let rules: Vec<&str> =
        answer["features"].as_array().unwrap().iter().map(|f| f["properties"]["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"wwtp-biogas"), "{answer}");
    assert_eq!(answer["summary"]["synergies"], rules.iter().filter(|r| **r == "wwtp-biogas").count());

    // Drafts count for planners only: the secret dump is 50 m from the canal.
    let sketch = json!({ "geometry": point(LON, LAT + north(LAT, 60.0)), "kind": "settlement", "sectors": ["land"], "city": "chiang-mai" });
    let ask = |token: Option<&str>| {
        let mut r = Request::post("/api/nexus/evaluate");
        if let Some(t) = token {
            r = r.header("authorization", format!("Bearer {t}"));
        }
        r.body(Body::from(sketch.to_string())).unwrap()
    };
    let (_, _, public) = w.t.send(ask(None)).await;
    let (_, _, planner) = w.t.send(ask(Some(PLANNER_TOKEN))).await;
    let names = |a: &Value| -> Vec<String> {
        a["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["from_name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!names(&public).contains(&"Secret dump".to_owned()), "{public}");
    assert!(names(&planner).contains(&"Secret dump".to_owned()), "{planner}");

    for (body, says) in [
        (
            json!({ "geometry": { "type": "Point", "coordinates": [1] }, "sectors": ["water"] }).to_string(),
            "not usable GeoJSON",
        ),
        (json!({ "geometry": { "type": "Feature" }, "sectors": ["water"] }).to_string(), "must be a GeoJSON Point"),
        (json!({ "geometry": point(LON, LAT) }).to_string(), "its sectors, its kind"),
        (json!({ "geometry": point(LON, LAT), "sectors": ["air"] }).to_string(), "unknown variant `air`"),
        ("not json".to_owned(), "not what this endpoint takes"),
        // A sketch is drawn by hand; an outline of thousands of points would tie up the server.
        (
            json!({ "geometry": { "type": "LineString", "coordinates": (0..6000).map(|i| [LON + f64::from(i) * 1e-5, LAT]).collect::<Vec<_>>() },
                    "sectors": ["water"] })
            .to_string(),
            "at most 5000",
        ),
    ] {
        let (status, _, err) =
            w.t.send(Request::post("/api/nexus/evaluate").body(Body::from(body.clone())).unwrap()).await;
        assert!(status.is_client_error(), "{body}: {status} {err}");
        let msg = err["error"]["message"].as_str().unwrap_or_default();
        assert!(msg.contains(says), "{body}: '{msg}' should say '{says}'");
    }
}

#[tokio::test]
async fn rules_are_data_that_planners_replace() {
    let w = world().await;
    let (status, rules) = w.t.get_json("/api/nexus/rules").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rules["rule"].as_array().unwrap().len(), 15);
    let mut edited = rules.clone();
    edited["rule"][0]["distance_m"] = json!(700);
    let put = |token: Option<&str>, body: String| {
        let mut r = Request::put("/api/nexus/rules").header("content-type", "application/json");
        if let Some(t) = token {
            r = r.header("authorization", format!("Bearer {t}"));
        }
        r.body(Body::from(body)).unwrap()
    };
    let (status, _, _) = w.t.send(put(None, edited.to_string())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, answer) = w.t.send(put(Some(PLANNER_TOKEN), edited.to_string())).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer["refresh"]["full"].as_bool().unwrap());
    assert!(has(&w.links().await, "landfill-surface-water", "Dump 600 m", "Canal").is_some(), "700 m now reaches it");
    let mut broken = rules.clone();
    broken["rule"][1]["weight"] = json!(9);
    let (status, _, err) = w.t.send(put(Some(PLANNER_TOKEN), broken.to_string())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("weight"));
    assert!(has(&w.links().await, "landfill-surface-water", "Dump 600 m", "Canal").is_some(), "the rules stayed");
}

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

#[tokio::test]
async fn every_source_a_rule_cites_has_a_title_and_a_link() {
    let w = world().await;
    let (status, set) = w.t.get_json("/api/nexus/rules").await;
    assert_eq!(status, StatusCode::OK);
    let sources = set["sources"].as_object().unwrap();
    assert!(sources["S1"]["title"].as_str().unwrap().starts_with("SNI 03-3241-1994"), "{}", sources["S1"]);
    for rule in set["rule"].as_array().unwrap() {
        let text = rule["source"].as_str().unwrap();
        for mark in text.split('[').skip(1).filter_map(|s| s.split(']').next()) {
            let s = sources.get(mark).unwrap_or_else(|| panic!("{} cites {mark}, which is not listed", rule["id"]));
            assert!(s["url"].as_str().is_some_and(|u| u.starts_with("http")), "{mark}: {s}");
        }
        assert!(rule["title_th"].as_str().is_some_and(|t| !t.is_empty()), "{} has a Thai title", rule["id"]);
    }
    // A source that is not one is refused with the reason.
    let mut bad: RuleSet = serde_json::from_value(set).unwrap();
    bad.sources.get_mut("S1").unwrap().url = Some("javascript:alert(1)".into());
    let req = Request::put("/api/nexus/rules")
        .header("authorization", format!("Bearer {PLANNER_TOKEN}"))
        .body(Body::from(serde_json::to_string(&bad).unwrap()))
        .unwrap();
    let (status, _, err) = w.t.send(req).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("sources.S1"), "{err}");
}
