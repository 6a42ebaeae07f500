//! Downloads: `/export/{id}.geojson` checked against RFC 7946 to the letter (no `crs`,
//! CRS84 ranges, closed rings, counter-clockwise exteriors and clockwise holes, the decimals
//! asked for), headers and file names, filters, drafts, and the GDAL formats.

use axum::http::StatusCode;
use nexus_core::Visibility;
use serde_json::Value;

use crate::support::{TestApp, PLANNER_TOKEN};

fn public(o: &mut nexus_ingest::IngestOptions) {
    o.meta.visibility = Some(Visibility::Public);
}

/// The export fixtures sit beside the ingest ones.
fn export_fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/export").join(name)
}

/// Twice the signed area of a ring (positive when counter-clockwise in lon/lat).
fn signed_area(ring: &[Value]) -> f64 {
    ring.windows(2)
        .map(|w| {
            let (a, b) = (&w[0], &w[1]);
            a[0].as_f64().unwrap() * b[1].as_f64().unwrap() - b[0].as_f64().unwrap() * a[1].as_f64().unwrap()
        })
        .sum()
}

/// Checks one position: 2 or 3 numbers, in range, at most `decimals` decimals.
fn position(p: &Value, at: &str, decimals: i32, bad: &mut dyn FnMut(String)) {
    let Some(a) = p.as_array() else { return bad(format!("{at}: a position is not an array")) };
    if !(2..=3).contains(&a.len()) || !a.iter().all(Value::is_number) {
        return bad(format!("{at}: position {p} is not 2 or 3 numbers"));
    }
    let (lon, lat) = (a[0].as_f64().unwrap(), a[1].as_f64().unwrap());
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        bad(format!("{at}: {p} is outside longitude/latitude ranges"));
    }
    let scale = 10f64.powi(decimals);
    for v in [lon, lat] {
        if ((v * scale).round() - v * scale).abs() > 1e-6 {
            bad(format!("{at}: {v} has more than {decimals} decimals"));
        }
    }
}
/// Checks one ring: closed, 4 positions or more, counter-clockwise outside, clockwise holes.
fn ring(r: &Value, at: &str, exterior: bool, decimals: i32, bad: &mut dyn FnMut(String)) {
    let Some(pts) = r.as_array() else { return bad(format!("{at}: a ring is not an array")) };
    pts.iter().for_each(|p| position(p, at, decimals, bad));
    if pts.len() < 4 {
        return bad(format!("{at}: a ring has {} positions, fewer than 4", pts.len()));
    }
    if pts.first() != pts.last() {
        bad(format!("{at}: a ring is not closed"));
    }
    let area = signed_area(pts);
    if exterior && area <= 0.0 {
        bad(format!("{at}: an exterior ring is not counter-clockwise"));
    }
    if !exterior && area >= 0.0 {
        bad(format!("{at}: a hole is not clockwise"));
    }
}
/// Checks one geometry of any type, and no `crs` member.
fn geometry(g: &Value, at: &str, decimals: i32, bad: &mut dyn FnMut(String)) {
    if g.is_null() {
        return;
    }
    if g.get("crs").is_some() {
        bad(format!("{at}: geometry has a crs member"));
    }
    let c = &g["coordinates"];
    let polygon = |p: &Value, bad: &mut dyn FnMut(String)| {
        for (i, r) in p.as_array().into_iter().flatten().enumerate() {
            ring(r, at, i == 0, decimals, bad);
        }
    };
    match g["type"].as_str() {
        Some("Point") => position(c, at, decimals, bad),
        Some("MultiPoint") => c.as_array().into_iter().flatten().for_each(|p| position(p, at, decimals, bad)),
        Some("LineString") => {
            let pts = c.as_array().map_or(0, Vec::len);
            if pts < 2 {
                bad(format!("{at}: a line has {pts} positions"));
            }
            c.as_array().into_iter().flatten().for_each(|p| position(p, at, decimals, bad));
        }
        Some("MultiLineString") => {
            for l in c.as_array().into_iter().flatten() {
                l.as_array().into_iter().flatten().for_each(|p| position(p, at, decimals, bad));
            }
        }
        Some("Polygon") => polygon(c, bad),
        Some("MultiPolygon") => c.as_array().into_iter().flatten().for_each(|p| polygon(p, bad)),
        Some("GeometryCollection") => {
            for g in g["geometries"].as_array().into_iter().flatten() {
                geometry(g, at, decimals, bad);
            }
        }
        other => bad(format!("{at}: geometry type {other:?}")),
    }
}

/// Every way a GeoJSON text can fall short of RFC 7946 (and of `decimals`), as messages.
fn rfc7946_problems(doc: &Value, decimals: i32) -> Vec<String> {
    let mut problems = Vec::new();
    let mut bad = |s: String| problems.push(s);
    if doc["type"] != "FeatureCollection" {
        bad(format!("top-level type is {}", doc["type"]));
    }
    if doc.get("crs").is_some() {
        bad("the collection has a crs member (RFC 7946 removed it)".into());
    }
    let Some(features) = doc["features"].as_array() else {
        bad("no features array".into());
        return problems;
    };
    for (i, f) in features.iter().enumerate() {
        let at = format!("feature {i}");
        if f["type"] != "Feature" {
            bad(format!("{at}: type is {}", f["type"]));
        }
        if f.get("crs").is_some() {
            bad(format!("{at}: has a crs member"));
        }
        if !(f["properties"].is_object() || f["properties"].is_null()) || f.get("properties").is_none() {
            bad(format!("{at}: properties must be an object or null"));
        }
        if let Some(id) = f.get("id") {
            if !(id.is_number() || id.is_string()) {
                bad(format!("{at}: id {id} is neither a number nor a string"));
            }
        }
        match f.get("geometry") {
            None => bad(format!("{at}: no geometry member")),
            Some(g) => geometry(g, &at, decimals, &mut bad),
        }
    }
    problems
}

#[tokio::test]
async fn geojson_downloads_are_rfc7946_to_the_letter() {
    let t = TestApp::new().await;
    t.ingest("places.geojson", "places", public).await;
    let report = nexus_ingest::ingest(
        &t.store,
        {
            let mut o = nexus_ingest::IngestOptions::new(
                export_fixture("works_polygons.geojson"),
                nexus_core::LayerId::new("works").unwrap(),
            );
            public(&mut o);
            o
        },
        std::sync::Arc::new(nexus_ingest::NoProgress),
    )
    .await
    .unwrap();
    assert!(report.committed);
    t.await_revision("works", 1).await;

    let res = t.app.clone();
    let got = tower::ServiceExt::oneshot(
        res,
        axum::http::Request::get("/export/works.geojson").body(axum::body::Body::empty()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    let h = got.headers();
    assert_eq!(h["content-type"], "application/geo+json");
    assert_eq!(h["content-disposition"], "attachment; filename=\"works.geojson\"");
    assert!(h.get("content-length").is_none(), "the body is streamed, not buffered");
    let body = http_body_util::BodyExt::collect(got.into_body()).await.unwrap().to_bytes();
    let doc: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(rfc7946_problems(&doc, 6), Vec::<String>::new());
    assert_eq!(doc["features"].as_array().unwrap().len(), 2);
    let pond = &doc["features"][0];
    assert_eq!(pond["properties"]["name_local"], "บ่อหน่วงน้ำแม่ข่า");
    assert_eq!(pond["geometry"]["coordinates"].as_array().unwrap().len(), 2, "the hole survives");
    // Properties keep the source's order (jsonb would sort them by length).
    let text = String::from_utf8_lossy(&body);
    let at = |key: &str| text.find(&format!("\"{key}\":")).unwrap_or_else(|| panic!("{key} missing"));
    assert!(at("name") < at("name_local") && at("name_local") < at("households_served"));
    assert!(at("population_2021") < at("description of works"));

    // The checker itself catches what it claims to: the source file winds its rings wrongly.
    let source: Value =
        serde_json::from_slice(&std::fs::read(export_fixture("works_polygons.geojson")).unwrap()).unwrap();
    let problems = rfc7946_problems(&source, 8);
    assert!(problems.iter().any(|p| p.contains("not counter-clockwise")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("hole is not clockwise")), "{problems:?}");

    let (_, _, body) = t.get("/export/works.geojson?precision=3").await;
    let coarse: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(rfc7946_problems(&coarse, 3), Vec::<String>::new());
    assert!(!rfc7946_problems(&doc, 3).is_empty(), "6 decimals are more than 3");

    let (_, _, body) = t.get("/export/places.geojson").await;
    let places: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(rfc7946_problems(&places, 6), Vec::<String>::new());
    assert_eq!(places["features"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn downloads_filter_like_items_and_keep_drafts_private() {
    let t = TestApp::new().await;
    t.ingest("places.geojson", "places", public).await;
    t.ingest("zones.geojson", "draft-zones", |_| {}).await;
    let n = |body: &[u8]| serde_json::from_slice::<Value>(body).unwrap()["features"].as_array().unwrap().len();
    let (_, _, body) = t.get("/export/places.geojson?country=TH").await;
    assert_eq!(n(&body), 2);
    let (_, _, body) = t.get("/export/places.geojson?bbox=98.9,18.7,99.1,18.9").await;
    assert_eq!(n(&body), 2);
    let (status, body) = t.get_json("/export/places.geojson?colour=red").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].as_str().unwrap().contains("colour"));
    let (status, body) = t.get_json("/export/places.dwg").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"]["message"].as_str().unwrap().contains(".gpkg"), "{body}");
    let (status, _) = t.get_json("/export/nothing.geojson").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t.get_json("/export/draft-zones.geojson").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "drafts are not downloadable by the public");
    let req = axum::http::Request::get("/export/draft-zones.geojson")
        .header("authorization", format!("Bearer {PLANNER_TOKEN}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let (status, _, doc) = t.send(req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["features"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn other_formats_download_as_files_gdal_opens() {
    let t = TestApp::new().await;
    t.ingest("places.geojson", "places", public).await;
    let dir = tempfile::tempdir().unwrap();
    for (ext, ctype, open_as) in [
        ("gpkg", "application/geopackage+sqlite3", ""),
        ("shp.zip", "application/zip", "/vsizip/"),
        ("fgb", "application/flatgeobuf", ""),
        ("csv", "text/csv; charset=utf-8", ""),
        ("kml", "application/vnd.google-earth.kml+xml", ""),
    ] {
        let got = tower::ServiceExt::oneshot(
            t.app.clone(),
            axum::http::Request::get(format!("/export/places.{ext}?country=TH"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(got.status(), StatusCode::OK, "{ext}");
        assert_eq!(got.headers()["content-type"], ctype);
        assert_eq!(got.headers()["content-disposition"], format!("attachment; filename=\"places.{ext}\"").as_str());
        let body = http_body_util::BodyExt::collect(got.into_body()).await.unwrap().to_bytes();
        let file = dir.path().join(format!("places.{ext}"));
        std::fs::write(&file, &body).unwrap();
        let out = std::process::Command::new("ogrinfo")
            .args(["-ro", "-al", "-so"])
            .arg(format!("{open_as}{}", file.display()))
            .output()
            .unwrap();
        let info = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && info.contains("Feature Count: 2"), "{ext}: {info}");
    }
}
