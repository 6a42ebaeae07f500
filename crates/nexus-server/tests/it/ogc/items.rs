//! Items: pages, filters, single features, refusals, hostile names and rationed downloads.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use super::*;
use crate::support::{TestApp, PLANNER_TOKEN};

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
        // Counted on the last page only: a full one would pay a second pass for it.
        let last = rel(&page, "next").is_none();
        assert_eq!(page.get("numberMatched").cloned(), last.then(|| serde_json::json!(6)), "{page}");
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
    // A full page leaves the count out (it would cost as much as the page) and leads on; the
    // last page, and a page past the end, say how many matched.
    let (_, full) = t.get_json("/collections/places/items?limit=2").await;
    assert!(full.get("numberMatched").is_none() && rel(&full, "next").is_some(), "{full}");
    let (_, last) = t.get_json("/collections/places/items?limit=2&offset=4").await;
    assert_eq!((last["numberMatched"].as_i64(), rel(&last, "next")), (Some(6), None));
    let (_, past) = t.get_json("/collections/places/items?offset=10").await;
    assert_eq!(past["numberMatched"], 6);
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
        ("bbox-crs=EPSG:2000", "not a coordinate system this server takes"),
        ("crs=http://example.org/crs", "crs 'http://example.org/crs'"),
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
    // Too many downloads is the clients' load, not a server fault: 429 with Retry-After.
    let (status, headers, body) = t.send(Request::get("/export/places.gpkg").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(headers["retry-after"], "10");
    assert!(body["error"]["message"].as_str().unwrap().contains("try again"));
    let (status, _) = t.get_json("/collections/places/items").await;
    assert_eq!(status, StatusCode::OK, "the API is not rationed");
    let body = first.into_body().collect().await.unwrap().to_bytes();
    assert!(serde_json::from_slice::<Value>(&body).is_ok());
    let (status, _, _) = t.get("/export/places.geojson").await;
    assert_eq!(status, StatusCode::OK, "the permit came back with the finished download");
}

#[tokio::test]
async fn items_pages_are_gzipped_for_clients_that_take_it() {
    // Issue 13: items were never compressed, whatever the client accepted.
    let t = atlas().await;
    let uri = "/collections/places/items?limit=100";
    let fetch = |encoding: Option<&'static str>| {
        let app = t.app.clone();
        async move {
            let mut req = Request::get(uri);
            if let Some(e) = encoding {
                req = req.header("accept-encoding", e);
            }
            let res = app.oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
            let coding = res.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_owned());
            let vary = res.headers().get("vary").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
            (coding, vary, res.into_body().collect().await.unwrap().to_bytes().to_vec())
        }
    };
    let (coding, _, plain) = fetch(None).await;
    assert_eq!(coding, None);
    let page: Value = serde_json::from_slice(&plain).unwrap();
    assert!(page["numberReturned"].as_i64().unwrap() > 0);
    let (coding, vary, zipped) = fetch(Some("gzip, deflate, br")).await;
    assert_eq!(coding.as_deref(), Some("gzip"));
    assert!(vary.contains("Accept-Encoding"), "{vary}");
    assert!(zipped.len() < plain.len(), "{} vs {}", zipped.len(), plain.len());
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&zipped[..]), &mut unzipped).unwrap();
    // The same page, compressed (its timeStamp aside: it says when each was made).
    let same = |bytes: &[u8]| {
        let mut v: Value = serde_json::from_slice(bytes).unwrap();
        v.as_object_mut().unwrap().remove("timeStamp");
        v
    };
    assert!(same(&unzipped) == same(&plain), "the gzipped page differs from the plain one");
    // Brotli for a client that takes nothing else.
    let (coding, _, squeezed) = fetch(Some("br")).await;
    assert_eq!(coding.as_deref(), Some("br"));
    assert!(squeezed.len() < plain.len(), "{} vs {}", squeezed.len(), plain.len());
    let mut unsqueezed = Vec::new();
    std::io::Read::read_to_end(&mut brotli::Decompressor::new(&squeezed[..], 4096), &mut unsqueezed).unwrap();
    assert!(same(&unsqueezed) == same(&plain), "the brotli page differs from the plain one");
    for refused in ["gzip;q=0", "identity", "br;q=0, gzip;q=0", "deflate"] {
        assert_eq!(fetch(Some(refused)).await.0, None, "{refused}");
    }
}

#[tokio::test]
async fn a_kept_page_is_sent_again_until_its_layer_changes() {
    let t = atlas().await;
    let uri = "/collections/places/items?limit=100&bbox=90,0,130,60";
    let first = t.get(uri).await.2;
    assert_eq!(t.get(uri).await.2, first, "the same page, kept");
    // An edit makes a new revision: the next read shows it, never the kept page.
    let (_, page) = t.get_json(uri).await;
    let fid = page["features"][0]["id"].as_i64().unwrap();
    let patch = serde_json::json!({ "properties": { "name": "Renamed while kept" } });
    let req = axum::http::Request::builder()
        .method("PATCH")
        .uri(format!("/collections/places/items/{fid}"))
        .header("authorization", format!("Bearer {PLANNER_TOKEN}"))
        .header("host", "atlas.test")
        .body(axum::body::Body::from(patch.to_string()))
        .unwrap();
    let (status, _, body) = t.send(req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, after) = t.get_json(uri).await;
    assert_eq!(after["features"][0]["properties"]["name"], "Renamed while kept");
    // Drafts seen by a planner are kept apart from what the public is sent.
    let (_, _, planner) = get_with(&t, uri, &[("authorization", &format!("Bearer {PLANNER_TOKEN}"))]).await;
    let planner: Value = serde_json::from_slice(&planner).unwrap();
    assert_eq!(planner["features"][0]["properties"]["name"], "Renamed while kept");
}

#[tokio::test]
async fn the_page_cache_holds_what_its_budget_allows() {
    // No budget: every read is made again (each page says when it was made).
    let t = TestApp::with(|c| c.page_cache_bytes = 0).await;
    t.ingest("places.geojson", "places", public).await;
    let uri = "/collections/places/items?limit=5";
    let (a, b) = (t.get_json(uri).await.1, t.get_json(uri).await.1);
    assert_eq!(a["features"], b["features"]);
    assert_ne!(a["timeStamp"], b["timeStamp"], "a page kept with no memory for pages");
    // The default keeps it.
    let t = TestApp::new().await;
    t.ingest("places.geojson", "places", public).await;
    assert_eq!(t.get_json(uri).await.1["timeStamp"], t.get_json(uri).await.1["timeStamp"]);
}
