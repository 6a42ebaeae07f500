//! The service described: landing page, conformance, OpenAPI, collections, HTML views, queryables and schemas.

use axum::http::StatusCode;
use serde_json::Value;

use super::*;
use crate::support::PLANNER_TOKEN;

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
async fn generic_clients_get_json_and_browsers_get_pages() {
    // Issue 13: OWSLib, requests, httpx and curl send `Accept: */*` (or nothing) and must get
    // the JSON landing page; browsers, which prefer text/html, keep the map.
    let t = atlas().await;
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    for accept in [Some("*/*"), None, Some("application/json, */*;q=0.5")] {
        let headers: Vec<(&str, &str)> = accept.map(|a| vec![("accept", a)]).unwrap_or_default();
        let (status, ctype, body) = get_with(&t, "/", &headers).await;
        assert_eq!((status, ctype.as_str()), (StatusCode::OK, "application/json"), "{accept:?}");
        let landing: Value = serde_json::from_slice(&body).unwrap();
        assert!(rel(&landing, "data").is_some(), "{accept:?}: {landing}");
        let (_, ctype, _) = get_with(&t, "/collections", &headers).await;
        assert_eq!(ctype, "application/json", "{accept:?}");
        let (_, ctype, _) = get_with(&t, "/api", &headers).await;
        assert_eq!(ctype, "application/vnd.oai.openapi+json;version=3.0", "{accept:?}");
    }
    let (_, ctype, body) = get_with(&t, "/", &[("accept", browser)]).await;
    assert!(ctype.starts_with("text/html") && !String::from_utf8_lossy(&body).contains("Conformance classes"));
    // service-desc is the JSON document, service-doc a page about it for people.
    let (_, _, body) = get_with(&t, "/", &[("accept", "*/*")]).await;
    let landing: Value = serde_json::from_slice(&body).unwrap();
    let links = landing["links"].as_array().unwrap();
    let doc = links.iter().find(|l| l["rel"] == "service-doc").unwrap();
    assert_eq!(doc["type"], "text/html");
    let href = doc["href"].as_str().unwrap();
    let path = &href[href.find("/api").unwrap()..];
    let (status, ctype, body) = get_with(&t, path, &[("accept", "*/*")]).await;
    assert_eq!((status, ctype.starts_with("text/html")), (StatusCode::OK, true), "{path}");
    let page = String::from_utf8_lossy(&body);
    assert!(page.contains("/collections/{collectionId}/items") && page.contains("OpenAPI"), "{page}");
    let (_, ctype, _) = get_with(&t, "/api", &[("accept", browser)]).await;
    assert!(ctype.starts_with("text/html"), "a browser reads the API page: {ctype}");
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
