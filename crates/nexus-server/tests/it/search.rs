//! `GET /api/search`: names found whatever their case, accents or script, the chosen city's
//! first, drafts for planners only, and nonsense refused with the reason.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nexus_core::{CityCollection, LayerKind, ProjectCollection, Sector, Visibility};
use serde_json::{json, Value};

use crate::support::{TestApp, PLANNER_TOKEN};

async fn layer(t: &TestApp, dir: &std::path::Path, id: &str, public: bool, names: &[Value]) {
    let features: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = 98.98 + 0.001 * f64::from(u32::try_from(i).unwrap());
            json!({ "type": "Feature", "properties": p, "geometry": { "type": "Point", "coordinates": [x, 18.79] } })
        })
        .collect();
    let file = dir.join(format!("{id}.geojson"));
    std::fs::write(&file, json!({ "type": "FeatureCollection", "features": features }).to_string()).unwrap();
    let mut o = nexus_ingest::IngestOptions::new(&file, nexus_core::LayerId::new(id).unwrap());
    o.meta.kind = Some(LayerKind::Place);
    o.meta.sectors = Some(vec![Sector::Land]);
    o.meta.city = Some(nexus_core::CitySlug::new("chiang-mai").unwrap());
    o.meta.visibility = Some(if public { Visibility::Public } else { Visibility::Draft });
    let r = nexus_ingest::ingest(&t.store, o, std::sync::Arc::new(nexus_ingest::NoProgress)).await.unwrap();
    assert!(r.committed);
}

async fn atlas() -> (TestApp, tempfile::TempDir) {
    let t = TestApp::new().await;
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/");
    let cities = std::fs::read_to_string(format!("{root}cities.geojson")).unwrap();
    t.store.upsert_cities(&CityCollection::from_geojson(&cities).unwrap().0).await.unwrap();
    let projects = std::fs::read_to_string(format!("{root}projects.geojson")).unwrap();
    t.store.upsert_projects(&ProjectCollection::from_geojson(&projects).unwrap().0).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    layer(
        &t,
        dir.path(),
        "cm-places",
        true,
        &[
            json!({ "name": "Hai Ya", "name_th": "หายยา", "amphoe": "Mueang Chiang Mai" }),
            json!({ "name": "Pa Daet", "name_th": "ป่าแดด" }),
            json!({ "name": "Ping Khong" }),
            json!({ "name": "Hòa Xuân" }),
        ],
    )
    .await;
    layer(&t, dir.path(), "cm-secret", false, &[json!({ "name": "Hai Ya secret dump" })]).await;
    (t, dir)
}

async fn search(t: &TestApp, query: &str, token: Option<&str>) -> (StatusCode, Value) {
    let mut r = Request::get(format!("/api/search?{query}"));
    if let Some(tok) = token {
        r = r.header("authorization", format!("Bearer {tok}"));
    }
    let (status, _, body) = t.send(r.body(Body::empty()).unwrap()).await;
    (status, body)
}

fn titles(body: &Value) -> Vec<String> {
    body["results"].as_array().unwrap().iter().map(|r| r["title"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn places_projects_and_cities_are_found_by_name_in_any_script() {
    let (t, _dir) = atlas().await;
    let (status, body) = search(&t, "q=Hai%20Ya&city=chiang-mai", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first = &body["results"][0];
    assert_eq!((first["type"].as_str(), first["title"].as_str()), (Some("feature"), Some("Hai Ya")), "{body}");
    assert_eq!(first["title_local"], "หายยา");
    assert_eq!((first["layer"].as_str(), first["city"].as_str()), (Some("cm-places"), Some("chiang-mai")));
    assert_eq!(first["bbox"].as_array().unwrap().len(), 4);
    assert!(!titles(&body).contains(&"Hai Ya secret dump".to_owned()), "the public never sees a draft layer");
    let (_, planner) = search(&t, "q=Hai%20Ya&city=chiang-mai", Some(PLANNER_TOKEN)).await;
    assert!(titles(&planner).contains(&"Hai Ya secret dump".to_owned()), "{planner}");

    // In Thai, in lower case, without the accents.
    let (_, thai) = search(&t, "q=%E0%B8%AB%E0%B8%B2%E0%B8%A2%E0%B8%A2%E0%B8%B2", None).await;
    let found = &thai["results"][0];
    assert_eq!(
        (found["id"].as_str(), found["title"].as_str(), found["title_local"].as_str()),
        (Some("cm-places/1"), Some("หายยา"), Some("Hai Ya")),
        "{thai}"
    );
    let (_, lower) = search(&t, "q=pa%20daet", None).await;
    assert_eq!(lower["results"][0]["title"], "Pa Daet", "{lower}");
    let (_, plain) = search(&t, "q=hoa%20xuan", None).await;
    assert_eq!(plain["results"][0]["title"], "Hòa Xuân", "{plain}");

    // "Ping" in Chiang Mai: Chiang Mai's things first, Korat's pumping project after them.
    let (_, ping) = search(&t, "q=Ping&city=chiang-mai", None).await;
    let results = ping["results"].as_array().unwrap();
    assert_eq!(results[0]["title"], "Ping Khong", "{ping}");
    let korat = results.iter().position(|r| r["title"] == "Water loss reduction and efficient pumping");
    let last_local = results.iter().rposition(|r| r["city"] == "chiang-mai").unwrap();
    assert!(korat.is_some_and(|k| k > last_local), "{ping}");

    // Cities and projects by either of their names.
    let (_, city) = search(&t, "q=naga", None).await;
    assert_eq!((city["results"][0]["type"].as_str(), city["results"][0]["id"].as_str()), (Some("city"), Some("naga")));
    let (_, project) = search(&t, "q=mae%20kha%20canal", None).await;
    assert_eq!(project["results"][0]["id"], "cm-mae-kha-canal-rehabilitation", "{project}");
}

#[tokio::test]
async fn a_search_without_words_or_with_a_bad_city_is_refused_with_the_reason() {
    let (t, _dir) = atlas().await;
    for (query, says) in [
        ("q=", "letter or a digit"),
        ("q=%25%25", "letter or a digit"),
        ("q=hai&city=Not%20a%20city", "city:"),
        ("q=hai&limit=0", "limit"),
        ("q=hai&limit=many", "limit"),
    ] {
        let (status, body) = search(&t, query, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains(says), "{query}: {body}");
    }
    // What looks like SQL is only text to look for.
    let (status, body) = search(&t, "q=x%27%20OR%201%3D1%20--", None).await;
    assert_eq!((status, body["results"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)), "{body}");
}

/// The seed's four kinds of work are each findable with their source; where a source names a
/// city the work is a project there, and where none does the solution stands without a place.
#[tokio::test]
async fn the_four_kinds_of_work_are_findable_with_their_source() {
    let (t, _dir) = atlas().await;
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/solutions.toml")).unwrap();
    let set: nexus_core::SolutionSet = toml::from_str(&text).unwrap();
    assert!(t.store.replace_solutions(&set.solution).await.unwrap());
    assert!(!t.store.replace_solutions(&set.solution).await.unwrap(), "the same file again changes nothing");

    for (q, slug) in [
        ("wastewater treatment plant", "wwtp-rehabilitation"),
        ("health", "health-centre-energy-efficiency"),
        ("solid-waste site", "new-solid-waste-site"),
        ("Mae Kha canal", "mae-kha-canal-rehabilitation"),
    ] {
        let (status, answer) = search(&t, &format!("q={}", q.replace(' ', "+")), None).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let hit = answer["results"].as_array().unwrap().iter().find(|h| h["type"] == "solution" && h["id"] == slug);
        let hit = hit.unwrap_or_else(|| panic!("'{q}' finds {slug}: {answer}"));
        assert!(hit["bbox"].is_null() && hit["city"].is_null(), "a solution has no invented place: {hit}");
    }
    let (_, answer) = search(&t, "q=mae+kha+canal", None).await;
    assert_eq!(answer["results"][0]["id"], "cm-mae-kha-canal-rehabilitation", "the name's start ranks first: {answer}");
    assert_eq!(answer["results"][1]["id"], "mae-kha-canal-rehabilitation", "then the solution: {answer}");

    let (status, all) = t.get_json("/api/solutions").await;
    assert_eq!(status, StatusCode::OK);
    let all = all["solutions"].as_array().unwrap();
    assert_eq!(all.len(), 4);
    assert!(all.iter().all(|s| !s["source"].as_str().unwrap().is_empty()));
    let by = |slug: &str| all.iter().find(|s| s["slug"] == slug).unwrap().clone();
    assert_eq!(by("wwtp-rehabilitation")["projects"], json!([]));
    assert_eq!(by("mae-kha-canal-rehabilitation")["projects"][0]["city"], "chiang-mai");
    let waste: Vec<String> = by("new-solid-waste-site")["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(waste, ["naga-del-rosario-waste-to-energy", "tpi-ganet-waste-to-energy"]);

    // A project made a draft leaves the public's list of who does the work.
    let (client, conn) = tokio_postgres::connect(&t.db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client
        .execute("UPDATE projects SET visibility = 'draft' WHERE slug = 'tpi-ganet-waste-to-energy'", &[])
        .await
        .unwrap();
    let (_, public) = t.get_json("/api/solutions").await;
    assert_eq!(public["solutions"][2]["projects"].as_array().unwrap().len(), 1, "{public}");
    let r = Request::get("/api/solutions").header("authorization", format!("Bearer {PLANNER_TOKEN}"));
    let (_, _, planner) = t.send(r.body(Body::empty()).unwrap()).await;
    assert_eq!(planner["solutions"][2]["projects"].as_array().unwrap().len(), 2);
}

/// A city is found by its short name too (`korat`), and before a place that happens to share
/// it (Natural Earth has Naga City as a first-level unit of its own).
#[tokio::test]
async fn a_city_is_found_by_its_short_name_before_a_place_of_that_name() {
    let (t, dir) = atlas().await;
    layer(&t, dir.path(), "units", true, &[json!({ "name": "Naga" })]).await;
    for (q, city) in [("korat", "korat"), ("Naga", "naga"), ("santa rosa", "santa-rosa")] {
        let (status, answer) = search(&t, &format!("q={}", q.replace(' ', "+")), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (&answer["results"][0]["type"], &answer["results"][0]["id"]),
            (&json!("city"), &json!(city)),
            "{q}: {answer}"
        );
    }
}
