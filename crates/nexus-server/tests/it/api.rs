//! `/health` and the JSON API.

use axum::http::StatusCode;
use nexus_core::CityCollection;

use crate::support::TestApp;

#[tokio::test]
async fn health_reports_database_and_postgis_versions() {
    let t = TestApp::new().await;
    let (status, body) = t.get_json("/health").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    let db = &body["database"];
    assert!(db["postgres_version"].as_str().unwrap().chars().next().unwrap().is_ascii_digit(), "{db}");
    assert!(db["postgis_version"].as_str().unwrap().starts_with('3'), "{db}");
    assert!(!db["geos_version"].as_str().unwrap().is_empty());
    assert_eq!(db["schema_version"], nexus_store::migrate::latest_version());
}

#[tokio::test]
async fn health_is_503_when_the_database_goes_away() {
    let t = TestApp::new().await;
    let (admin, conn) = tokio_postgres::connect(t.db.admin_url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    admin.batch_execute(&format!("DROP DATABASE \"{}\" WITH (FORCE)", t.db.name)).await.unwrap();
    let (status, body) = t.get_json("/health").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["status"], "unavailable");
    assert!(!body.to_string().contains("postgres://"), "no connection details leak: {body}");
}

#[tokio::test]
async fn cities_are_served_as_geojson() {
    let t = TestApp::new().await;
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cities.geojson")).unwrap();
    let cities = CityCollection::from_geojson(&text).unwrap().0;
    t.store.upsert_cities(&cities).await.unwrap();

    let (status, ctype, body) = t.get("/api/cities").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ctype, "application/geo+json");
    let fc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(fc["type"], "FeatureCollection");
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len(), cities.len());
    let cm = features.iter().find(|f| f["id"] == "chiang-mai").expect("Chiang Mai is served");
    assert_eq!(cm["properties"]["name_local"], "เชียงใหม่");
    let [lon, lat] =
        [cm["geometry"]["coordinates"][0].as_f64().unwrap(), cm["geometry"]["coordinates"][1].as_f64().unwrap()];
    assert!((lon - 98.987).abs() < 1e-9 && (lat - 18.788).abs() < 1e-9);
}

#[tokio::test]
async fn unknown_api_paths_are_json_404s() {
    let t = TestApp::new().await;
    let (status, body) = t.get_json("/api/no-such-thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    assert!(body["error"]["message"].as_str().unwrap().contains("no such API endpoint"));
}

#[tokio::test]
async fn settings_tell_the_map_its_basemap_and_whether_planners_can_sign_in() {
    let t = TestApp::new().await;
    let (status, s) = t.get_json("/api/settings").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(s["basemap"], serde_json::Value::Null, "no basemap unless configured: the map is offline");
    assert_eq!(s["planners"], true);
    let t = TestApp::with(|c| {
        c.planner_token = None;
        c.basemap = Some(nexus_server::Basemap {
            url: "https://tiles.example.org/{z}/{x}/{y}.png".into(),
            attribution: "© Example".into(),
        });
    })
    .await;
    let (_, s) = t.get_json("/api/settings").await;
    assert_eq!(s["basemap"]["url"], "https://tiles.example.org/{z}/{x}/{y}.png");
    assert_eq!(s["basemap"]["attribution"], "© Example");
    assert_eq!(s["planners"], true, "people sign in with accounts whether or not a legacy token is set");
    assert_eq!(s["legacy_token"], false);
}
