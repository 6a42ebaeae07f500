//! Tiles fresh per feature: an edited feature changes the tiles that cover its old and new
//! place at every zoom, in this instance and another one, while tiles elsewhere keep their
//! ETag; the pre-rendered store redraws those low-zoom tiles only.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use nexus_core::{CitySlug, TileCoord, Visibility};
use serde_json::json;
use tower::ServiceExt;

use crate::accounts::{req, with_cities, Auth};
use crate::support::{TestApp, PLANNER_TOKEN};

/// Chiang Mai in the places fixture, where it moves to, and Da Nang (elsewhere
/// from zoom 5 on).
const CM: (f64, f64) = (98.987, 18.788);
const MOVED: (f64, f64) = (99.02, 18.81);
const DA_NANG: (f64, f64) = (108.22, 16.068);

/// A tile's ETag and body, as the public gets it (an empty tile: no content, "empty").
async fn tile(router: &axum::Router, t: TileCoord) -> (String, Vec<u8>) {
    let uri = format!("/tiles/places/{}/{}/{}.mvt", t.z, t.x, t.y);
    let res = router.clone().oneshot(Request::get(&uri).body(Body::empty()).unwrap()).await.unwrap();
    if res.status() == StatusCode::NO_CONTENT {
        return ("empty".to_owned(), Vec::new());
    }
    assert_eq!(res.status(), StatusCode::OK, "{uri}");
    let etag = res.headers().get("etag").map(|e| e.to_str().unwrap().to_owned()).unwrap_or_default();
    (etag, res.into_body().collect().await.unwrap().to_bytes().to_vec())
}

fn says(body: &[u8], text: &str) -> bool {
    body.windows(text.len()).any(|w| w == text.as_bytes())
}

async fn rows(t: &TestApp, sql: &str) -> Vec<(i64, i64)> {
    let (c, conn) = tokio_postgres::connect(&t.db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    c.query(sql, &[]).await.unwrap().iter().map(|r| (r.get(0), r.get(1))).collect()
}

#[tokio::test]
async fn an_edit_changes_the_tiles_of_its_feature_and_no_others() {
    let t = TestApp::with(|c| c.tiles.prerender_maxzoom = Some(10)).await;
    with_cities(&t).await;
    t.ingest("places.geojson", "places", |o| {
        o.meta.visibility = Some(Visibility::Public);
        o.meta.city = Some(CitySlug::new("chiang-mai").unwrap());
    })
    .await;
    let full = loop {
        let l = t.store.layer(&"places".parse().unwrap()).await.unwrap().unwrap();
        if l.prerendered_revision == Some(l.revision) {
            break l.revision;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    t.await_revision("places", full).await;
    let other = t.second_instance().await;
    let covering: Vec<TileCoord> = (0..=14)
        .flat_map(|z| [TileCoord::containing(CM.0, CM.1, z), TileCoord::containing(MOVED.0, MOVED.1, z)])
        .collect();
    let elsewhere: Vec<TileCoord> = (5..=14).map(|z| TileCoord::containing(DA_NANG.0, DA_NANG.1, z)).collect();
    let mut before = Vec::new();
    for &c in covering.iter().chain(&elsewhere) {
        let (mine, theirs) = (tile(&t.app, c).await, tile(&other, c).await);
        assert_eq!(mine.0, theirs.0, "{c}: both instances serve one drawing");
        before.push((c, mine.0));
    }

    let patch = json!({ "geometry": { "type": "Point", "coordinates": [MOVED.0, MOVED.1] },
                        "properties": { "name": "Chiang Mai moved" } });
    let (_, page) = t.get_json("/collections/places/items?filter=name%3D%27Chiang%20Mai%27").await;
    let fid = page["features"][0]["id"].as_i64().expect("Chiang Mai's id");
    let item = format!("/collections/places/items/{fid}");
    let (s, _, body) = t.send(req("PATCH", &item, Auth::Bearer(PLANNER_TOKEN), &patch)).await;
    assert_eq!(s, StatusCode::OK, "{body}");

    // This instance at once (it made the change); the other as soon as it hears of it.
    for (router, who) in [(&t.app, "this instance"), (&other, "another instance")] {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        for (c, old) in &before {
            let changes = covering.contains(c);
            let (now, body) = loop {
                let (now, body) = tile(router, *c).await;
                if !changes || now != *old || std::time::Instant::now() > deadline {
                    break (now, body);
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            };
            if changes {
                assert_ne!(now, *old, "{who}: {c} covers the feature and must change");
                let new_place = *c == TileCoord::containing(MOVED.0, MOVED.1, c.z);
                assert_eq!(says(&body, "Chiang Mai moved"), new_place, "{who}: {c}");
            } else {
                assert_eq!(now, *old, "{who}: {c} is elsewhere and keeps its ETag");
            }
        }
    }

    // The store redraws the low-zoom tiles of the old and new place, and no others.
    let revision = t.store.layer(&"places".parse().unwrap()).await.unwrap().unwrap().revision;
    let mut redrawn = Vec::new();
    for _ in 0..250 {
        redrawn = rows(
            &t,
            &format!("SELECT z::int8, x::int8 FROM tile_store WHERE layer_id = 'places' AND revision = {revision}"),
        )
        .await;
        if redrawn.len() >= 11 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let wanted: std::collections::BTreeSet<(u8, u32, u32)> =
        covering.iter().filter(|c| c.z <= 10).map(|c| (c.z, c.x, c.y)).collect();
    assert_eq!(redrawn.len(), wanted.len(), "one row per covering tile of zooms 0-10: {redrawn:?}");
    let kept = rows(&t, &format!("SELECT count(*), count(*) FILTER (WHERE revision = {full}) FROM tile_store WHERE layer_id = 'places' AND revision <> {revision}")).await;
    assert!(kept[0].0 > 0 && kept[0].0 == kept[0].1, "the other rows stay from the full pre-render: {kept:?}");
    // A fresh instance reads the redrawn rows: the moved feature at its new place.
    let fresh = t.second_instance().await;
    let low = TileCoord::containing(MOVED.0, MOVED.1, 9);
    assert!(says(&tile(&fresh, low).await.1, "Chiang Mai moved"));
    let unchanged = TileCoord::containing(DA_NANG.0, DA_NANG.1, 9);
    let was = &before.iter().find(|b| b.0 == unchanged).unwrap().1;
    assert_eq!(&tile(&fresh, unchanged).await.0, was);
}
