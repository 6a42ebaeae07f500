//! The Nexus overlays on small worlds whose answers are known by construction: features
//! placed at chosen distances on the ground (a waste site 400 m and another 600 m from a
//! canal, a project straddling a heritage boundary, …), national overrides, drafts kept out,
//! the incremental recompute after an edit, the what-if evaluation, and the overlays served
//! as tiles and features like any layer.

use axum::http::StatusCode;
use nexus_core::{CityCollection, LayerKind, ProjectCollection, RuleSet, Sector, Visibility};
use serde_json::{json, Value};

use crate::support::TestApp;

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
    w.heritage_and_airports().await;
    w
}

impl World {
    /// The heritage square with a project straddling its boundary and one outside it;
    /// landfills 2.5 km from an airport in Chiang Mai and in Naga; a draft dump by the canal.
    async fn heritage_and_airports(&self) {
        let w = self;
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
    }
}

fn has(links: &[(String, String, String, f64)], rule: &str, from: &str, to: &str) -> Option<f64> {
    links.iter().find(|l| l.0 == rule && l.1 == from && l.2 == to).map(|l| l.3)
}

mod edited;
mod history;
mod links;
mod rules;
mod served;
mod whatif;
