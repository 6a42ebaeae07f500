//! A project's printable sheet: its facts, map, Nexus links with rule and distance, sources
//! and the live page's address, in English or Thai; drafts only for their city's members.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nexus_core::{CityCollection, LayerKind, ProjectCollection, RuleSet, Sector, Visibility};

use crate::support::{TestApp, PLANNER_TOKEN};

const SLUG: &str = "cm-mae-kha-canal-rehabilitation";

async fn atlas() -> TestApp {
    let t = TestApp::with(|c| c.nexus_overlays = false).await;
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/");
    let read = |f: &str| std::fs::read_to_string(format!("{root}{f}")).unwrap();
    t.store.upsert_cities(&CityCollection::from_geojson(&read("cities.geojson")).unwrap().0).await.unwrap();
    t.store.upsert_projects(&ProjectCollection::from_geojson(&read("projects.geojson")).unwrap().0).await.unwrap();
    let rules: RuleSet = toml::from_str(&read("nexus-rules.toml")).unwrap();
    t.store.replace_rules(&rules).await.unwrap();
    let file = std::path::PathBuf::from(format!("{root}chiang-mai/mae-kha-canal.geojson"));
    let mut o = nexus_ingest::IngestOptions::new(&file, nexus_core::LayerId::new("cm-mae-kha-canal").unwrap());
    o.meta.kind = Some(LayerKind::Waterway);
    o.meta.sectors = Some(vec![Sector::Water]);
    o.meta.city = Some(nexus_core::CitySlug::new("chiang-mai").unwrap());
    o.meta.visibility = Some(Visibility::Public);
    assert!(nexus_ingest::ingest(&t.store, o, std::sync::Arc::new(nexus_ingest::NoProgress)).await.unwrap().committed);
    t.store.refresh_nexus().await.unwrap();
    t
}

async fn page(t: &TestApp, uri: &str, token: Option<&str>) -> (StatusCode, String) {
    let mut r = Request::get(uri);
    if let Some(tok) = token {
        r = r.header("authorization", format!("Bearer {tok}"));
    }
    let (status, _, body) = {
        let res = tower::ServiceExt::oneshot(t.app.clone(), r.body(Body::empty()).unwrap()).await.unwrap();
        let status = res.status();
        let bytes = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
        (status, (), bytes)
    };
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn a_project_sheet_holds_its_facts_map_links_and_sources() {
    let t = atlas().await;
    let (status, html) = page(&t, &format!("/projects/{SLUG}/sheet"), None).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for want in [
        "<h1>Mae Kha canal rehabilitation</h1>",
        "โครงการฟื้นฟูคลองแม่ข่า",
        "Under construction",
        "Inclusive decision-making",
        "GIZ Urban Nexus",
        "class=\"map\"",
        "data-rule=\"green-riparian\"",
        "Khlong Mae Kha",
        " m</td>",
        "<svg class=\"chart\"",
        "thai-german-cooperation.info/news/content/330",
        "#city=chiang-mai&amp;project=cm-mae-kha-canal-rehabilitation",
        "@page{size:A4",
    ] {
        assert!(html.contains(want), "the sheet holds {want}:\n{html}");
    }
    assert!(html.matches("<path ").count() >= 2, "the project and the canal around it are drawn");
    assert!(html.contains("<path d=\"M ") && !html.contains("fill=\"#cfe3f3\""), "a line is drawn, not filled");

    let (_, th) = page(&t, &format!("/projects/{SLUG}/sheet?lang=th"), None).await;
    assert!(
        th.contains("<html lang=\"th\"") && th.contains("<h1>โครงการฟื้นฟูคลองแม่ข่า</h1>") && th.contains("กำลังก่อสร้าง")
    );
}

#[tokio::test]
async fn a_drafts_sheet_is_only_for_its_city_and_names_are_escaped() {
    let t = atlas().await;
    let p = serde_json::json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [98.99, 18.79] },
        "properties": { "slug": "cm-draft-sheet", "city": "chiang-mai", "title": "<script>alert(1)</script>",
                        "sectors": ["water"], "status": "idea" } });
    let r = Request::post("/api/projects")
        .header("authorization", format!("Bearer {PLANNER_TOKEN}"))
        .header("content-type", "application/json")
        .body(Body::from(p.to_string()))
        .unwrap();
    assert_eq!(t.send(r).await.0, StatusCode::CREATED);
    let (status, _) = page(&t, "/projects/cm-draft-sheet/sheet", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the public never sees a draft");
    let (status, html) = page(&t, "/projects/cm-draft-sheet/sheet", Some(PLANNER_TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !html.contains("<script>"), "{html}");
}

async fn bytes(t: &TestApp, uri: &str) -> (StatusCode, String, Vec<u8>) {
    let res = tower::ServiceExt::oneshot(t.app.clone(), Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    let (status, kind) = (res.status(), res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()));
    let body = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes().to_vec();
    (status, kind.unwrap_or_default(), body)
}

#[tokio::test]
async fn a_shared_project_link_carries_a_title_description_and_picture() {
    let t = atlas().await;
    let (status, html) = page(&t, &format!("/projects/{SLUG}"), None).await;
    assert_eq!(status, StatusCode::OK);
    for want in [
        "<meta property=\"og:title\" content=\"Mae Kha canal rehabilitation · Chiang Mai\">",
        "<meta property=\"og:description\" content=\"Memorandum of Cooperation of 17 March 2017",
        &format!("/projects/{SLUG}/map.png\">"),
        "<meta property=\"twitter:card\" content=\"summary_large_image\">",
        "#city=chiang-mai&amp;project=cm-mae-kha-canal-rehabilitation",
    ] {
        assert!(html.contains(want), "{want}:\n{html}");
    }
    let (status, kind, png) = bytes(&t, &format!("/projects/{SLUG}/map.png")).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "image/png"));
    let size = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    assert_eq!((size(16), size(20)), (1200, 630), "the size chat apps expect");
    // A blank 1200 x 630 PNG compresses to a few hundred bytes; the map's lines take more.
    assert!(png.len() > 5_000, "a picture with something in it: {} bytes", png.len());
    for uri in ["/projects/no-such", "/projects/no-such/map.png"] {
        assert_eq!(bytes(&t, uri).await.0, StatusCode::NOT_FOUND, "{uri}");
    }
}
