//! Drafts reach their city's members only: a Chiang Mai draft layer and draft project, asked
//! for on every read path by the public, a viewer of Naga and a viewer of Chiang Mai.

use axum::http::StatusCode;
use nexus_core::{Role, RuleSet, TileCoord};
use serde_json::{json, Value};

use super::{add_user, req, token_of, with_cities, Auth};
use crate::support::{multipart, Part, TestApp, PLANNER_TOKEN};

const LON: f64 = 98.99;
const LAT: f64 = 18.79;

/// What one caller finds of the drafts: one boolean per path.
async fn finds(t: &TestApp, auth: Auth<'_>) -> Vec<(&'static str, bool)> {
    let get = |uri: String| t.send(req("GET", &uri, auth, &Value::Null));
    let text = |v: &Value| v.to_string();
    let tile = TileCoord::containing(LON, LAT, 14);
    let mut out = Vec::new();
    out.push(("GET /tiles", text(&get("/tiles".into()).await.2).contains("cm-secret-canal")));
    out.push(("TileJSON", get("/tiles/cm-secret-canal.json".into()).await.0 == StatusCode::OK));
    let status = get(format!("/tiles/cm-secret-canal/{}/{}/{}.mvt", tile.z, tile.x, tile.y)).await.0;
    out.push(("a tile", status == StatusCode::OK));
    out.push(("GET /collections", text(&get("/collections".into()).await.2).contains("cm-secret-canal")));
    out.push(("layer items", get("/collections/cm-secret-canal/items".into()).await.0 == StatusCode::OK));
    out.push(("project items", text(&get("/collections/projects/items".into()).await.2).contains("Secret plan")));
    out.push(("layer download", get("/export/cm-secret-canal.geojson".into()).await.0 == StatusCode::OK));
    let (_, _, projects) = t.send(req("GET", "/export/projects.geojson", auth, &Value::Null)).await;
    out.push(("projects download", text(&projects).contains("Secret plan")));
    out.push(("GET /api/layers", text(&get("/api/layers".into()).await.2).contains("cm-secret-canal")));
    out.push(("project profile", get("/api/projects/cm-secret-plan/nexus".into()).await.0 == StatusCode::OK));
    let summary = get("/api/cities/chiang-mai/nexus".into()).await.2;
    out.push(("city summary", summary["project_count"] == 1));
    out.push(("search", text(&get("/api/search?q=secret".into()).await.2).contains("Secret plan")));
    let sketch = json!({ "geometry": { "type": "Point", "coordinates": [LON, LAT + 0.001] }, "kind": "waste_site", "city": "chiang-mai" });
    let (_, _, whatif) = t.send(req("POST", "/api/nexus/evaluate", auth, &sketch)).await;
    out.push(("what-if", text(&whatif).contains("cm-secret-canal")));
    out.push(("overlays", text(&get("/collections/nexus-links/items".into()).await.2).contains("Secret")));
    out
}

#[tokio::test]
async fn drafts_reach_their_citys_members_and_no_one_else_on_any_path() {
    let t = TestApp::new().await;
    with_cities(&t).await;
    let rules: RuleSet = toml::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/nexus-rules.toml")).unwrap(),
    )
    .unwrap();
    t.store.replace_rules(&rules).await.unwrap();
    let canal = json!({ "type": "FeatureCollection", "features": [{ "type": "Feature", "properties": { "name": "Secret canal" },
        "geometry": { "type": "LineString", "coordinates": [[LON - 0.01, LAT], [LON + 0.01, LAT]] } }] });
    let parts = [
        Part::Text("city", "chiang-mai"),
        Part::Text("kind", "waterway"),
        Part::Text("sector", "water"),
        Part::Text("visibility", "draft"),
        Part::File("file", "canal.geojson", canal.to_string().into_bytes()),
    ];
    let (status, _, body) = t.send(multipart("/api/layers/cm-secret-canal/data", Some(PLANNER_TOKEN), &parts)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let plan = json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [LON, LAT + 0.002] },
        "properties": { "slug": "cm-secret-plan", "city": "chiang-mai", "title": "Secret plan", "sectors": ["waste"],
                        "status": "idea", "kind": "waste_site" } });
    assert_eq!(t.send(req("POST", "/api/projects", Auth::Bearer(PLANNER_TOKEN), &plan)).await.0, StatusCode::CREATED);
    t.store.refresh_nexus().await.unwrap();
    add_user(&t, "viewer@naga.gov.ph", false, &[("naga", Role::Viewer)]).await;
    add_user(&t, "viewer@cmcity.go.th", false, &[("chiang-mai", Role::Viewer)]).await;
    let (naga, cm) = (token_of(&t, "viewer@naga.gov.ph").await, token_of(&t, "viewer@cmcity.go.th").await);

    for (who, auth) in [("the public", Auth::None), ("a viewer of Naga", Auth::Bearer(&naga))] {
        let seen: Vec<&str> = finds(&t, auth).await.into_iter().filter(|f| f.1).map(|f| f.0).collect();
        assert!(seen.is_empty(), "{who} sees a draft on: {seen:?}");
    }
    let member = finds(&t, Auth::Bearer(&cm)).await;
    let unseen: Vec<&str> = member.iter().filter(|f| !f.1 && f.0 != "overlays").map(|f| f.0).collect();
    assert!(unseen.is_empty(), "a viewer of Chiang Mai misses the city's drafts on: {unseen:?}");
    assert!(!member.iter().any(|f| f.0 == "overlays" && f.1), "the stored overlays hold public data only");
}
