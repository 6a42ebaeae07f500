//! `POST /api/layers/{id}/data`: planners upload files; the answer is the ingest report.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::{fixture, multipart, Part, TestApp, PLANNER_TOKEN};

fn places() -> Part<'static> {
    Part::File("file", "places.geojson", fixture("places.geojson"))
}

#[tokio::test]
async fn uploads_need_a_valid_token() {
    let t = TestApp::new().await;
    let (status, headers, body) = t.send(multipart("/api/layers/places/data", None, &[places()])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(headers["www-authenticate"], "Bearer realm=\"nexus-atlas\"");
    assert!(body["error"]["message"].as_str().unwrap().contains("Authorization: Bearer"));
    let (status, _, body) = t.send(multipart("/api/layers/places/data", Some("guess"), &[places()])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["message"], "the token is not valid");
    let (_, body) = t.get_json("/api/layers").await;
    assert_eq!(body, json!([]), "nothing was stored");

    // Without the legacy token configured, only accounts' tokens open the door.
    let closed = TestApp::without_token().await;
    let (status, _, body) = closed.send(multipart("/api/layers/places/data", Some(PLANNER_TOKEN), &[places()])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["message"], "the token is not valid");
}

#[tokio::test]
async fn an_upload_returns_its_report_and_the_layer_appears() {
    let t = TestApp::new().await;
    let req = multipart(
        "/api/layers/places/data",
        Some(PLANNER_TOKEN),
        &[
            Part::Text("title", "Partner places"),
            Part::Text("kind", "place"),
            Part::Text("sector", "water,land"),
            Part::Text("visibility", "public"),
            places(),
        ],
    );
    let (status, _, report) = t.send(req).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["layer"], "places");
    assert_eq!(report["committed"], true);
    assert_eq!(report["features"]["loaded"], 6);
    assert_eq!(report["file"], "places.geojson");
    assert_eq!(report["revision"], 1);

    let (status, layer) = t.get_json("/api/layers/places").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(layer["title"], "Partner places");
    assert_eq!(layer["sectors"], json!(["water", "land"]));
    assert_eq!(layer["feature_count"], 6);
    let (_, all) = t.get_json("/api/layers").await;
    assert_eq!(all.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn drafts_are_seen_by_planners_only() {
    let t = TestApp::new().await;
    let (status, _, _) = t.send(multipart("/api/layers/secret/data", Some(PLANNER_TOKEN), &[places()])).await;
    assert_eq!(status, StatusCode::OK);
    let (_, public) = t.get_json("/api/layers").await;
    assert_eq!(public, json!([]), "new layers are drafts");
    let (status, _) = t.get_json("/api/layers/secret").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let req = axum::http::Request::get("/api/layers")
        .header("authorization", format!("Bearer {PLANNER_TOKEN}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let (_, _, mine) = t.send(req).await;
    assert_eq!(mine[0]["id"], "secret");
    assert_eq!(mine[0]["visibility"], "draft");
}

#[tokio::test]
async fn refused_data_answers_422_with_the_report_and_stores_nothing() {
    let t = TestApp::new().await;
    let bad = br#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[100,10]}},
        {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[100,100]}}]}"#;
    let req =
        multipart("/api/layers/bad/data", Some(PLANNER_TOKEN), &[Part::File("file", "bad.geojson", bad.to_vec())]);
    let (status, _, body) = t.send(req).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "refused");
    assert_eq!(body["report"]["issues"][0]["feature"], 2);
    assert_eq!(body["report"]["issues"][0]["action"], "refused");
    let req = axum::http::Request::get("/api/layers/bad")
        .header("authorization", format!("Bearer {PLANNER_TOKEN}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let (status, _, _) = t.send(req).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the layer was not created");
}

#[tokio::test]
async fn bad_requests_are_explained() {
    let t = TestApp::new().await;
    let cases: Vec<(Vec<Part<'_>>, StatusCode, &str)> = vec![
        (
            vec![Part::File("file", "plan.dwg", b"AC1027".to_vec())],
            StatusCode::BAD_REQUEST,
            "unsupported format for 'plan.dwg'",
        ),
        (vec![Part::Text("title", "x")], StatusCode::BAD_REQUEST, "send the data as a file field"),
        (vec![Part::Text("colour", "red"), places()], StatusCode::BAD_REQUEST, "unknown form field 'colour'"),
        (
            vec![Part::Text("approximate", "maybe"), places()],
            StatusCode::BAD_REQUEST,
            "form field 'approximate': must be true or false, not 'maybe'",
        ),
        (vec![Part::Text("kind", "landfill"), places()], StatusCode::BAD_REQUEST, "unknown layer kind 'landfill'"),
        (
            vec![Part::Text("city", "atlantis"), places()],
            StatusCode::UNPROCESSABLE_ENTITY,
            "city 'atlantis' is not in the atlas",
        ),
        (
            vec![Part::File("file", "x.geojson", b"{not json".to_vec())],
            StatusCode::BAD_REQUEST,
            "cannot be read as GeoJSON",
        ),
    ];
    for (parts, want, text) in cases {
        let (status, _, body) = t.send(multipart("/api/layers/x/data", Some(PLANNER_TOKEN), &parts)).await;
        assert_eq!(status, want, "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains(text), "{body}");
    }
    let (status, _, body) = t.send(multipart("/api/layers/Bad%20Id/data", Some(PLANNER_TOKEN), &[places()])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("layer id 'Bad Id' is not allowed"));
}

#[tokio::test]
async fn oversized_uploads_get_413() {
    let t = TestApp::new().await; // limit: 8 MiB
    let big = vec![b' '; 9 << 20];
    let (status, _, body) =
        t.send(multipart("/api/layers/big/data", Some(PLANNER_TOKEN), &[Part::File("file", "big.geojson", big)])).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"]["code"], "too_large");
}

#[tokio::test]
async fn a_loose_shapefile_arrives_as_several_files_with_hostile_names_tamed() {
    let t = TestApp::new().await;
    let parts: Vec<Part<'_>> = ["shp", "shx", "dbf", "prj", "cpg"]
        .iter()
        .map(|ext| {
            Part::File(
                "file",
                Box::leak(format!("../../etc/wwtp_utm47.{ext}").into_boxed_str()),
                fixture(&format!("wwtp_utm47.{ext}")),
            )
        })
        .collect();
    let (status, _, report) = t.send(multipart("/api/layers/wwtp/data", Some(PLANNER_TOKEN), &parts)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["source_crs"], "EPSG:32647");
    assert_eq!(report["file"], "wwtp_utm47.shp");
    let name: String = {
        let (c, conn) = tokio_postgres::connect(&t.db.url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        c.query_one("SELECT properties->>'name_local' FROM features WHERE layer_id = 'wwtp' AND fid = 1", &[])
            .await
            .unwrap()
            .get(0)
    };
    assert_eq!(name, "เชียงใหม่ นครพิงค์");
}

#[tokio::test]
async fn an_uploads_permission_is_asked_again_under_the_layers_lock() {
    // The state the permission was first judged on may have changed while the file was on its
    // way (published meanwhile): the load asks its guard with the layer as locked, and writes
    // nothing when the answer changed.
    let t = TestApp::new().await;
    let first =
        t.ingest("places.geojson", "places", |o| o.meta.visibility = Some(nexus_core::Visibility::Public)).await;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ingest/places.geojson");
    let mut o = nexus_ingest::IngestOptions::new(path, nexus_core::LayerId::new("places").unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let record = seen.clone();
    o.guard = Some(nexus_store::LoadGuard(std::sync::Arc::new(move |now: Option<&nexus_core::Layer>| {
        *record.lock().unwrap() = now.map(|l| l.visibility);
        false
    })));
    let err = nexus_ingest::ingest(&t.store, o, std::sync::Arc::new(nexus_ingest::NoProgress)).await.unwrap_err();
    assert!(err.to_string().contains("changed while the file was sent"), "{err}");
    assert_eq!(*seen.lock().unwrap(), Some(nexus_core::Visibility::Public), "the guard saw the layer as locked");
    let layer = t.store.layer(&nexus_core::LayerId::new("places").unwrap()).await.unwrap().unwrap();
    assert_eq!(layer.revision, first.revision.unwrap(), "nothing was written");
}

#[tokio::test]
async fn a_coordinate_system_is_text_never_a_url_or_a_path_to_open() {
    // Issue 14, finding 1: GDAL would fetch a URL (reaching any address from the server) or
    // open a path; both are refused before it sees them, and nothing is stored.
    let t = TestApp::new().await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/crs", listener.local_addr().unwrap());
    for crs in [url.as_str(), "/etc/passwd"] {
        let parts = [Part::Text("source_crs", crs), places()];
        let (status, _, body) = t.send(multipart("/api/layers/places/data", Some(PLANNER_TOKEN), &parts)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{crs}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(crs) && message.contains("paths and URLs are refused"), "{message}");
    }
    assert!(listener.accept().is_err(), "the server reached the address it was given");
    assert_eq!(t.get_json("/api/layers").await.1, json!([]), "nothing was stored");
    let parts = [Part::Text("source_crs", "EPSG:4326"), places()];
    assert_eq!(t.send(multipart("/api/layers/places/data", Some(PLANNER_TOKEN), &parts)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn internal_table_names_are_not_layer_ids_and_two_new_uploads_of_one_id_both_land() {
    // Issue 14, finding 10: `x__new` would be layer x's replacement table; and two uploads
    // making the same new layer at once gave the second a 500.
    let t = TestApp::new().await;
    let (status, _, body) = t.send(multipart("/api/layers/places__new/data", Some(PLANNER_TOKEN), &[places()])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("'__' is kept"), "{body}");
    let (a, b) = tokio::join!(
        t.send(multipart("/api/layers/twins/data", Some(PLANNER_TOKEN), &[places()])),
        t.send(multipart("/api/layers/twins/data", Some(PLANNER_TOKEN), &[places()])),
    );
    assert_eq!((a.0, b.0), (StatusCode::OK, StatusCode::OK), "{} {}", a.2, b.2);
    let mut revisions = [a.2["revision"].as_i64().unwrap(), b.2["revision"].as_i64().unwrap()];
    revisions.sort_unstable();
    assert_eq!(revisions, [1, 2], "the second replaced the first");
    let twins = t.store.layer(&nexus_core::LayerId::new("twins").unwrap()).await.unwrap().unwrap();
    assert_eq!((twins.revision, twins.feature_count), (2, 6));
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[tokio::test]
async fn compressed_uploads_are_measured_as_they_expand() {
    // Issue 14, finding 3: the upload cap counted compressed bytes only, so a small .gz that
    // expands to gigabytes was read to its end. Now the expansion itself is counted.
    let t = TestApp::with(|c| c.max_uncompressed_bytes = 1 << 20).await;
    let mut bomb = br#"{"type":"FeatureCollection","features":["#.to_vec();
    bomb.resize(48 << 20, b' ');
    bomb.extend_from_slice(b"]}");
    let small = gzip(&bomb);
    assert!(small.len() < 1 << 20, "the bomb is small on the wire: {}", small.len());
    let (status, _, body) = t
        .send(multipart("/api/layers/bomb/data", Some(PLANNER_TOKEN), &[Part::File("file", "bomb.geojson.gz", small)]))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("bomb.geojson.gz is refused: it expands to more than 1 MiB"), "{message}");

    // An honest file that simply expands beyond the limit gets the same answer.
    let features: Vec<String> = (0..20_000)
        .map(|i| format!(r#"{{"type":"Feature","properties":{{"n":{i}}},"geometry":{{"type":"Point","coordinates":[98.{i},18.{i}]}}}}"#))
        .collect();
    let big = format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","));
    let (status, _, body) = t
        .send(multipart(
            "/api/layers/big/data",
            Some(PLANNER_TOKEN),
            &[Part::File("file", "big.geojson.gz", gzip(big.as_bytes()))],
        ))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(t.get_json("/api/layers").await.1, json!([]), "nothing was stored");

    // Within the limit, a .gz loads as its content.
    let (status, _, report) = t
        .send(multipart(
            "/api/layers/places/data",
            Some(PLANNER_TOKEN),
            &[Part::File("file", "places.geojson.gz", gzip(&fixture("places.geojson")))],
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["features"]["loaded"], 6);
    assert_eq!(report["file"], "places.geojson.gz");
}

#[tokio::test]
async fn a_bomb_beyond_any_sane_ratio_is_stopped_early() {
    let t = TestApp::new().await;
    let mut bomb = br#"{"type":"FeatureCollection","features":["#.to_vec();
    bomb.resize(96 << 20, b' ');
    let request =
        multipart("/api/layers/bomb/data", Some(PLANNER_TOKEN), &[Part::File("file", "bomb.geojson.gz", gzip(&bomb))]);
    let (status, _, body) = t.send(request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("looks like a compression bomb"), "{body}");
    // Stopped just past its first 16 MiB (the ratio is judged from there, a MiB at a time),
    // not read to its 96 MiB end. Told by the bytes expanded, not by a clock: a loaded
    // machine is slow, not wrong.
    let so_far: u64 = message.split(" MiB so far").next().and_then(|s| s.rsplit('(').next()).unwrap().parse().unwrap();
    assert!((16..=17).contains(&so_far), "{message}");
}

#[tokio::test]
async fn an_unknown_or_remote_coordinate_system_in_the_file_is_refused_not_taken_for_wgs84() {
    // Issue 14, finding 2: GDAL reads a `crs` it cannot resolve as WGS 84, silently; and a
    // `link` crs made it fetch the URL from the server.
    let t = TestApp::new().await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/crs", listener.local_addr().unwrap());
    let point = r#"[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[500000,2000000]}}]"#;
    let cases = [
        (r#"{"type":"name","properties":{"name":"EPSG:999999"}}"#.to_owned(), "EPSG:999999".to_owned()),
        (
            r#"{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::999999"}}"#.to_owned(),
            "urn:ogc:def:crs:EPSG::999999".to_owned(),
        ),
        (r#"{"type":"EPSG","properties":{"code":999999}}"#.to_owned(), "EPSG:999999".to_owned()),
        (format!(r#"{{"type":"link","properties":{{"href":"{url}","type":"ogcwkt"}}}}"#), url.clone()),
    ];
    for (crs, named) in cases {
        let file = format!(r#"{{"type":"FeatureCollection","crs":{crs},"features":{point}}}"#);
        let parts = [Part::File("file", "odd.geojson", file.into_bytes())];
        let (status, _, body) = t.send(multipart("/api/layers/odd/data", Some(PLANNER_TOKEN), &parts)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{crs}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(&format!("coordinate system '{named}' is not known")), "{message}");
        assert!(message.contains("source_crs"), "{message}");
    }
    assert!(listener.accept().is_err(), "the server fetched the file's crs link");
    assert_eq!(t.get_json("/api/layers").await.1, json!([]), "nothing was stored");
    // Naming the system it really uses lets the same file in.
    let file = format!(
        r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"EPSG:999999"}}}},"features":{point}}}"#
    );
    let parts = [Part::Text("source_crs", "EPSG:32647"), Part::File("file", "odd.geojson", file.into_bytes())];
    let (status, _, report) = t.send(multipart("/api/layers/odd/data", Some(PLANNER_TOKEN), &parts)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
}

#[tokio::test]
async fn a_layer_says_which_fields_its_popups_show() {
    // Issue 17, finding 8: popups listed every field, KML's drawing hints included.
    let t = TestApp::new().await;
    let parts = [Part::Text("popup_fields", "name, population"), Part::Text("visibility", "public"), places()];
    let (status, _, report) = t.send(multipart("/api/layers/places/data", Some(PLANNER_TOKEN), &parts)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let (_, layer) = t.get_json("/api/layers/places").await;
    assert_eq!(layer["popup_fields"], json!(["name", "population"]));
    // A field the layer does not have is refused, naming it and the fields it does have.
    let parts = [Part::Text("popup_fields", "name, nope"), places()];
    let (status, _, body) = t.send(multipart("/api/layers/places/data", Some(PLANNER_TOKEN), &parts)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("popup field 'nope'") && message.contains("population"), "{message}");
    let (_, layer) = t.get_json("/api/layers/places").await;
    assert_eq!((layer["revision"].as_i64(), &layer["popup_fields"]), (Some(1), &json!(["name", "population"])));
}
