//! OGC API - Features: landing page, conformance, the OpenAPI document, collections, items
//! with paging and filters, single features, HTML views, queryables and schemas, drafts kept
//! from the public, and GDAL's OAPIF driver as a real client over a real socket.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use nexus_core::{CityCollection, ProjectCollection, Visibility};
use serde_json::Value;
use tower::ServiceExt;

use crate::support::{TestApp, PLANNER_TOKEN};

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
    let res = t.app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
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

#[tokio::test]
async fn landing_page_conformance_and_api_describe_the_service() {
    let t = atlas().await;
    let (status, ctype, body) = get_with(&t, "/", &[("accept", "application/json")]).await;
    assert_eq!((status, ctype.as_str()), (StatusCode::OK, "application/json"));
    let landing: Value = serde_json::from_slice(&body).unwrap();
    for r in ["self", "service-desc", "conformance", "data"] {
        assert!(rel(&landing, r).is_some(), "landing page lacks rel={r}: {landing}");
    }
    assert!(rel(&landing, "data").unwrap().ends_with("/collections"));
    // A browser asking for / gets the map; ?f=html the API's own page.
    let (_, ctype, body) = get_with(&t, "/", &[("accept", "text/html")]).await;
    assert!(ctype.starts_with("text/html") && !String::from_utf8_lossy(&body).contains("Conformance classes"));
    let (_, ctype, body) = get_with(&t, "/?f=html", &[]).await;
    assert!(ctype.starts_with("text/html"));
    assert!(String::from_utf8_lossy(&body).contains("Conformance classes"));

    let (status, conf) = t.get_json("/conformance").await;
    assert_eq!(status, StatusCode::OK);
    let classes: Vec<&str> = conf["conformsTo"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    for c in ["core", "geojson", "html", "oas30"] {
        let uri = format!("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{c}");
        assert!(classes.contains(&uri.as_str()), "{c} missing from {classes:?}");
    }

    let (status, ctype, body) = t.get("/api").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ctype, "application/vnd.oai.openapi+json;version=3.0");
    let api: Value = serde_json::from_slice(&body).unwrap();
    assert!(api["openapi"].as_str().unwrap().starts_with("3.0."));
    for p in [
        "/",
        "/conformance",
        "/api",
        "/collections",
        "/collections/{collectionId}",
        "/collections/{collectionId}/items",
        "/collections/{collectionId}/items/{featureId}",
        "/collections/places/items",
        "/collections/projects/items",
    ] {
        assert!(api["paths"].get(p).is_some(), "{p} missing from the API document");
    }
    let text = String::from_utf8(body).unwrap();
    assert!(!text.contains("\"$ref\":\"http"), "the document is self-contained");
    assert!(!text.contains("secret-zones"), "drafts stay out of the public API document");
    let places_params: Vec<&str> = api["paths"]["/collections/places/items"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(places_params.contains(&"country") && places_params.contains(&"name_local"), "{places_params:?}");
}

#[tokio::test]
async fn collections_are_the_public_layers_and_the_projects() {
    let t = atlas().await;
    let (status, doc) = t.get_json("/collections").await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = doc["collections"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["places", "zones", "projects"], "drafts are hidden");
    let places = doc["collections"].as_array().unwrap().iter().find(|c| c["id"] == "places").unwrap();
    assert_eq!(places["extent"]["spatial"]["crs"], "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
    let bbox: Vec<f64> =
        places["extent"]["spatial"]["bbox"][0].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let row = t.sql_f64s("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e FROM features WHERE layer_id = 'places') x")
        .await;
    for (a, b) in bbox.iter().zip(&row) {
        assert!((a - b).abs() < 1e-6, "extent {bbox:?} is not PostGIS's {row:?}");
    }
    assert!(rel(places, "items").is_some());
    assert!(places["links"].as_array().unwrap().iter().any(|l| l["rel"] == "describedby"));
    let (status, since) = t.get_json("/collections/places").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(since["extent"]["temporal"]["property"], "since", "the layer's date field is its time");

    let (status, err) = t.get_json("/collections/secret-zones").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("secret-zones"));
    let (status, _) = t.get_json("/collections/no-such-layer").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t.get_json("/collections/..%2Fetc").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Planners see drafts.
    let bearer = format!("Bearer {PLANNER_TOKEN}");
    let (_, _, body) = get_with(&t, "/collections", &[("authorization", &bearer)]).await;
    let doc: Value = serde_json::from_slice(&body).unwrap();
    assert!(doc["collections"].as_array().unwrap().iter().any(|c| c["id"] == "secret-zones"));
    let (status, _, _) = get_with(&t, "/collections/secret-zones/items", &[("authorization", &bearer)]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn items_page_with_next_and_prev_links_until_every_feature_is_seen() {
    let t = atlas().await;
    let mut uri = "/collections/places/items?limit=2".to_owned();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let (status, ctype, body) = t.get(&uri).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ctype, "application/geo+json");
        let page: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(page["type"], "FeatureCollection");
        assert_eq!(page["numberMatched"], 6);
        assert_eq!(page["numberReturned"].as_u64().unwrap() as usize, page["features"].as_array().unwrap().len());
        time::OffsetDateTime::parse(
            page["timeStamp"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("timeStamp is RFC 3339");
        assert_eq!(rel(&page, "prev").is_some(), pages > 0, "prev exactly after the first page");
        seen.extend(ids(&page));
        pages += 1;
        match rel(&page, "next") {
            Some(next) => uri = local(next).to_owned(),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, [1, 2, 3, 4, 5, 6]);
    let (_, page) = t.get_json("/collections/places/items").await;
    assert_eq!(page["numberReturned"], 6, "the default limit holds them all");
    let (status, page) = t.get_json("/collections/places/items?limit=1000000").await;
    assert_eq!(
        (status, page["numberReturned"].as_u64()),
        (StatusCode::OK, Some(6)),
        "a huge limit is capped, not refused"
    );
    let (_, page) = t.get_json("/collections/places/items?offset=6").await;
    assert_eq!((page["numberReturned"].as_u64(), rel(&page, "next")), (Some(0), None));
}

#[tokio::test]
async fn items_filter_by_property_box_time_and_layer_metadata() {
    let t = atlas().await;
    let count = |v: &Value| v["numberMatched"].as_i64().unwrap();
    let (_, th) = t.get_json("/collections/places/items?country=TH").await;
    assert_eq!(count(&th), 2);
    assert!(th["features"].as_array().unwrap().iter().all(|f| f["properties"]["country"] == "TH"));
    let (_, thai) = t.get_json("/collections/places/items?name_local=%E0%B9%80%E0%B8%8A%E0%B8%B5%E0%B8%A2%E0%B8%87%E0%B9%83%E0%B8%AB%E0%B8%A1%E0%B9%88%20%E0%B8%99%E0%B8%84%E0%B8%A3%E0%B8%9E%E0%B8%B4%E0%B8%87%E0%B8%84%E0%B9%8C").await;
    assert_eq!(count(&thai), 1, "Thai text filters too: {thai}");
    let (_, boxed) = t.get_json("/collections/places/items?bbox=98.9,18.7,99.1,18.9").await;
    assert_eq!(count(&boxed), 2, "Chiang Mai and its wastewater plant");
    let (_, nowhere) = t.get_json("/collections/places/items?bbox=-10,-10,-9,-9").await;
    assert_eq!(count(&nowhere), 0);
    let (_, recent) = t.get_json("/collections/places/items?datetime=2014-01-01/..").await;
    let (_, older) = t.get_json("/collections/places/items?datetime=../2013-12-31").await;
    let with_since = t
        .sql_f64s(
            "SELECT count(*)::float8 FROM features WHERE layer_id = 'places' AND properties->>'since' IS NOT NULL",
        )
        .await[0];
    assert_eq!((count(&recent), count(&older)), (3, 3), "{recent} {older}");
    let (_, day) = t.get_json("/collections/places/items?datetime=2013-11-01").await;
    assert_eq!(count(&day), 2, "an instant matches that day's places");
    assert_eq!((count(&recent) + count(&older)) as f64, with_since, "the two intervals split the dated places");
    // A layer's own city and sectors: all of it, or none.
    let (_, cm) = t.get_json("/collections/zones/items?city=chiang-mai").await;
    assert_eq!(count(&cm), 2);
    let (_, dn) = t.get_json("/collections/zones/items?city=da-nang").await;
    assert_eq!(count(&dn), 0);
    // A project with a start and no end is still running; projects without dates have no time.
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/projects.geojson")).unwrap();
    let data: Value = serde_json::from_str(&text).unwrap();
    let dated = |from: &str| -> Vec<String> {
        let mut v: Vec<String> = data["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| &f["properties"])
            .filter(|p| p["start_date"].is_string() && p["end_date"].as_str().is_none_or(|e| e >= from))
            .map(|p| p["slug"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    let slugs = |fc: &Value| -> Vec<String> {
        let mut v: Vec<String> = fc["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["slug"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    let (_, running) = t.get_json("/collections/projects/items?datetime=2025-01-01/..").await;
    assert!(slugs(&running).contains(&"ub-eco-village-khoroo-19".to_owned()), "started 2018, no end: still running");
    assert_eq!(slugs(&running), dated("2025-01-01"));
    let (_, before) = t.get_json("/collections/projects/items?datetime=../2015-11-30").await;
    assert!(!slugs(&before).contains(&"ub-eco-village-khoroo-19".to_owned()), "it started on 3 July 2018");
    let (_, that_day) = t.get_json("/collections/projects/items?datetime=2018-07-03").await;
    assert!(slugs(&that_day).contains(&"ub-eco-village-khoroo-19".to_owned()), "a date is the whole day");
    // Projects filter by city, sector and status.
    let (_, p) = t.get_json("/collections/projects/items?city=chiang-mai&sector=water").await;
    assert!(count(&p) >= 1);
    assert!(p["features"].as_array().unwrap().iter().all(|f| f["properties"]["city"] == "chiang-mai"
        && f["properties"]["sectors"].as_array().unwrap().iter().any(|s| s == "water")));
}

#[tokio::test]
async fn bad_parameters_are_400s_that_say_why_and_unknown_ids_404s() {
    let t = atlas().await;
    for (query, says) in [
        ("colour=red", "unknown query parameter 'colour'"),
        ("limit=0", "limit must be at least 1"),
        ("limit=many", "limit must be a whole number"),
        ("offset=-3", "offset must be at least 0"),
        ("bbox=1,2,3", "bbox must be 4 or 6 numbers"),
        ("bbox=0,0,200,1", "outside"),
        ("datetime=last-week", "not an RFC 3339"),
        ("f=xml", "f must be json or html"),
        ("bbox-crs=EPSG:3857", "only CRS84"),
    ] {
        let (status, body) = t.get_json(&format!("/collections/places/items?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        let msg = body["error"]["message"].as_str().unwrap();
        assert!(msg.contains(says), "{query}: '{msg}' should say '{says}'");
    }
    let (status, body) = t.get_json("/collections/places/items/999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"]["message"].as_str().unwrap().contains("999"));
    let (status, _) = t.get_json("/collections/places/items/not-a-number").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t.get_json("/collections/nothing/items").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn one_feature_with_its_links_and_drafts_hidden_from_the_public() {
    let t = atlas().await;
    let (status, ctype, body) = t.get("/collections/places/items/2").await;
    assert_eq!((status, ctype.as_str()), (StatusCode::OK, "application/geo+json"));
    let f: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(f["type"], "Feature");
    assert_eq!(f["id"], 2);
    assert_eq!(f["properties"]["name_local"], "โรงบำบัดน้ำเสียเทศบาลนครเชียงใหม่");
    assert!(rel(&f, "self").unwrap().ends_with("/collections/places/items/2"));
    assert!(rel(&f, "collection").unwrap().ends_with("/collections/places"));

    let (_, all) = t.get_json("/collections/projects/items?limit=1000").await;
    let slugs: Vec<&str> =
        all["features"].as_array().unwrap().iter().map(|f| f["properties"]["slug"].as_str().unwrap()).collect();
    assert!(!slugs.contains(&"cm-secret-draft"), "the public never sees draft projects");
    let bearer = format!("Bearer {PLANNER_TOKEN}");
    let (_, _, body) = get_with(&t, "/collections/projects/items?limit=1000", &[("authorization", &bearer)]).await;
    let planner: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(planner["numberMatched"].as_i64().unwrap(), all["numberMatched"].as_i64().unwrap() + 1);
}

#[tokio::test]
async fn html_views_are_readable_and_escape_the_data() {
    let t = atlas().await;
    for uri in [
        "/collections",
        "/collections/places",
        "/collections/places/items",
        "/collections/places/items/2",
        "/conformance",
        "/collections/places/queryables",
    ] {
        let (status, ctype, body) = get_with(&t, uri, &[("accept", "text/html,application/xhtml+xml")]).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(ctype.starts_with("text/html"), "{uri}: {ctype}");
        let page = String::from_utf8(body).unwrap();
        assert!(page.starts_with("<!doctype html>") && page.contains("</html>"), "{uri}");
        assert!(!page.contains("<script"), "{uri}: no script");
    }
    let (_, _, body) = t.get("/collections/places/items?f=html").await;
    let page = String::from_utf8(body).unwrap();
    assert!(page.contains("เชียงใหม่ นครพิงค์"), "Thai names are shown as text");
    assert!(page.contains("6 of 6 features") || page.contains("of 6 features"), "{page}");
}

#[tokio::test]
async fn queryables_and_schema_describe_the_fields() {
    let t = atlas().await;
    let (status, ctype, body) = t.get("/collections/places/queryables").await;
    assert_eq!((status, ctype.as_str()), (StatusCode::OK, "application/schema+json"));
    let q: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(q["properties"]["population"]["type"], "integer");
    assert_eq!(q["properties"]["since"]["format"], "date");
    assert_eq!(q["properties"]["city"]["type"], "string", "the layer-level filters are listed");
    let (_, _, body) = t.get("/collections/projects/schema").await;
    let s: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(s["properties"]["properties"]["properties"]["budget"]["type"], "number");
    assert_eq!(s["properties"]["properties"]["properties"]["start_date"]["format"], "date");
}

/// Runs a GDAL command line to completion off the async threads; returns (stdout, stderr).
async fn gdal(args: Vec<String>) -> (String, String) {
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(&args[0])
            .args(&args[1..])
            .output()
            .unwrap_or_else(|e| panic!("{} (gdal-bin, installed by scripts/setup): {e}", args[0]));
        let (so, se) =
            (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
        assert!(out.status.success(), "{args:?} failed:\n{se}");
        (so, se)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gdal_lists_pages_through_and_copies_collections() {
    let t = atlas().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = t.app.clone();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let root = format!("OAPIF:http://{addr}/");

    let (listing, _) = gdal(vec!["ogrinfo".into(), "-ro".into(), "-q".into(), root.clone()]).await;
    for id in ["places", "zones", "projects"] {
        assert!(listing.lines().any(|l| l.contains(&format!(": {id} "))), "{id} not listed:\n{listing}");
    }
    assert!(!listing.contains("secret-zones"), "drafts are not listed:\n{listing}");

    let dir = tempfile::tempdir().unwrap();
    for (layer, page) in [("places", "2"), ("zones", "1"), ("projects", "3")] {
        let gpkg = dir.path().join(format!("{layer}.gpkg"));
        let (_, debug) = gdal(vec![
            "ogr2ogr".into(),
            "--debug".into(),
            "on".into(),
            "-f".into(),
            "GPKG".into(),
            gpkg.display().to_string(),
            root.clone(),
            layer.into(),
            "-oo".into(),
            format!("PAGE_SIZE={page}"),
        ])
        .await;
        let fetches = debug.lines().filter(|l| l.contains(&format!("/collections/{layer}/items?"))).count();
        let (info, _) =
            gdal(vec!["ogrinfo".into(), "-ro".into(), "-so".into(), "-al".into(), gpkg.display().to_string()]).await;
        let count: i64 = info.lines().find_map(|l| l.strip_prefix("Feature Count: ")).unwrap().trim().parse().unwrap();
        let extent: Vec<f64> = info
            .lines()
            .find_map(|l| l.strip_prefix("Extent: "))
            .unwrap()
            .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .filter(|s| !s.is_empty() && *s != "-")
            .map(|s| s.parse().unwrap())
            .collect();
        let (table, cond) = if layer == "projects" {
            ("projects", "visibility = 'public' AND geom IS NOT NULL".to_owned())
        } else {
            ("features", format!("layer_id = '{layer}'"))
        };
        let want = t
            .sql_f64s(&format!(
                "SELECT (SELECT count(*)::float8 FROM {table} WHERE {cond}), ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
                 FROM (SELECT ST_Extent(geom) e FROM {table} WHERE {cond}) x"
            ))
            .await;
        assert_eq!(count as f64, want[0], "{layer}: GDAL copied {count} features");
        assert!(fetches as f64 >= want[0] / page.parse::<f64>().unwrap(), "{layer}: {fetches} pages fetched");
        for (a, b) in extent.iter().zip(&want[1..]) {
            assert!((a - b).abs() < 1e-6, "{layer}: extent {extent:?} is not PostGIS's {:?}", &want[1..]);
        }
    }
    let (thai, _) = gdal(vec![
        "ogrinfo".into(),
        "-ro".into(),
        "-al".into(),
        "-q".into(),
        dir.path().join("places.gpkg").display().to_string(),
    ])
    .await;
    assert!(thai.contains("โรงบำบัดน้ำเสียเทศบาลนครเชียงใหม่"), "Thai text arrives intact");
}

#[tokio::test]
async fn hostile_field_names_stay_data_whatever_the_string_settings() {
    let t = TestApp::new().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hostile.geojson");
    std::fs::write(
        &file,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[98.99,18.79]},
           "properties":{"it's":"quote","back\\slash":"slash","x' || pg_sleep(3) || '":"sql"}}]}"#,
    )
    .unwrap();
    let mut o = nexus_ingest::IngestOptions::new(&file, nexus_core::LayerId::new("hostile").unwrap());
    public(&mut o);
    nexus_ingest::ingest(&t.store, o, std::sync::Arc::new(nexus_ingest::NoProgress)).await.unwrap();
    // Old servers (or a DBA) may turn standard_conforming_strings off, which changes what a
    // backslash in a plain string literal means; the names must survive either way.
    let (admin, conn) = tokio_postgres::connect(t.db.admin_url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    admin
        .batch_execute(&format!("ALTER DATABASE \"{}\" SET standard_conforming_strings = off", t.db.name))
        .await
        .unwrap();
    let app = t.second_instance().await;
    for uri in ["/collections/hostile/items", "/export/hostile.geojson"] {
        let started = std::time::Instant::now();
        let res = app.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{uri}");
        let body = res.into_body().collect().await.unwrap().to_bytes();
        let fc: Value = serde_json::from_slice(&body).unwrap();
        let props = &fc["features"][0]["properties"];
        assert_eq!(props["it's"], "quote", "{uri}: {props}");
        assert_eq!(props["back\\slash"], "slash", "{uri}: {props}");
        assert_eq!(props["x' || pg_sleep(3) || '"], "sql", "{uri}: {props}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{uri}: nothing was executed");
    }
}

#[tokio::test]
async fn ids_links_numbers_and_boxes_are_read_carefully() {
    let t = atlas().await;
    // A comma list is a tile-source combination, not a collection.
    let (status, _) = t.get_json("/collections/places,zones/items").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t.get_json("/export/places,zones.geojson").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Only http and https from a proxy's header make it into links.
    let (_, _, body) = get_with(&t, "/collections", &[("x-forwarded-proto", "javascript:alert(1)//")]).await;
    let doc: Value = serde_json::from_slice(&body).unwrap();
    assert!(rel(&doc, "self").unwrap().starts_with("http://"), "{doc}");
    let (_, _, body) = get_with(&t, "/collections", &[("x-forwarded-proto", "https")]).await;
    let doc: Value = serde_json::from_slice(&body).unwrap();
    assert!(rel(&doc, "self").unwrap().starts_with("https://"));
    // Numbers compare as numbers.
    let (_, p) = t.get_json("/collections/places/items?population=127240.0").await;
    assert_eq!(p["numberMatched"], 1);
    let (_, p) = t.get_json("/collections/places/items?population=many").await;
    assert_eq!(p["numberMatched"], 0);
    // A box a little past the world is the world; one across the antimeridian is two boxes.
    let (status, p) = t.get_json("/collections/places/items?bbox=-180.5,-90.5,180.5,90.5").await;
    assert_eq!((status, p["numberMatched"].as_i64()), (StatusCode::OK, Some(6)));
    let (_, p) = t.get_json("/collections/places/items?bbox=100,0,-170,60").await;
    let names: Vec<&str> =
        p["features"].as_array().unwrap().iter().map(|f| f["properties"]["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Rizhao") && names.contains(&"Ulaanbaatar") && !names.contains(&"Chiang Mai"), "{names:?}");
}

#[tokio::test]
async fn downloads_are_rationed_so_slow_clients_cannot_take_the_pool() {
    let t = TestApp::with(|c| c.max_exports = 1).await;
    t.ingest("places.geojson", "places", public).await;
    t.await_revision("places", 1).await;
    // A client that has the headers but has not read the body yet holds its permit.
    let first =
        t.app.clone().oneshot(Request::get("/export/places.geojson").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let (status, body) = t.get_json("/export/places.gpkg").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("try again"));
    let (status, _) = t.get_json("/collections/places/items").await;
    assert_eq!(status, StatusCode::OK, "the API is not rationed");
    let body = first.into_body().collect().await.unwrap().to_bytes();
    assert!(serde_json::from_slice::<Value>(&body).is_ok());
    let (status, _, _) = t.get("/export/places.geojson").await;
    assert_eq!(status, StatusCode::OK, "the permit came back with the finished download");
}
