//! Vector tiles: decoded and checked against the data (ids, positions, properties), drafts
//! kept out, errors, caching headers, composite tiles, TileJSON, the pre-rendered store,
//! freshness across server instances, and GDAL's MVT driver as an independent reader.

use std::io::Read;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use geo_types::Geometry;
use http_body_util::BodyExt;
use mvt_reader::feature::Value;
use nexus_core::{TileCoord, Visibility};
use tower::ServiceExt;

use crate::support::{TestApp, PLANNER_TOKEN};

const CM: (f64, f64) = (98.987, 18.788);

fn public(o: &mut nexus_ingest::IngestOptions) {
    o.meta.visibility = Some(Visibility::Public);
}

fn tile_of(lon: f64, lat: f64, z: u8) -> TileCoord {
    TileCoord::containing(lon, lat, z)
}

struct Got {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

async fn get(router: &axum::Router, uri: &str, headers: &[(&str, &str)]) -> Got {
    let mut req = Request::get(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = router.clone().oneshot(crate::support::via_proxy(req.body(Body::empty()).unwrap())).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Got { status, headers, body }
}

/// Decoded features of one MVT layer: (id, lon, lat of the first vertex, properties).
fn decode(
    bytes: &[u8],
    layer: &str,
    tile: TileCoord,
) -> Vec<(u64, f64, f64, std::collections::HashMap<String, Value>)> {
    let reader = mvt_reader::Reader::new(bytes.to_vec()).unwrap();
    let names = reader.get_layer_names().unwrap();
    let i = names.iter().position(|n| n == layer).unwrap_or_else(|| panic!("no layer {layer} in {names:?}"));
    let [w, s, e, n] = tile.bounds_3857();
    reader
        .get_features_as::<f64>(i)
        .unwrap()
        .into_iter()
        .map(|f| {
            let (tx, ty) = match &f.geometry {
                Geometry::Point(p) => (p.x(), p.y()),
                Geometry::MultiPoint(m) => (m.0[0].x(), m.0[0].y()),
                Geometry::LineString(l) => (l.0[0].x, l.0[0].y),
                Geometry::Polygon(p) => (p.exterior().0[0].x, p.exterior().0[0].y),
                Geometry::MultiPolygon(m) => (m.0[0].exterior().0[0].x, m.0[0].exterior().0[0].y),
                other => panic!("unexpected {other:?}"),
            };
            // Tile units → EPSG:3857 → lon/lat.
            let x = w + tx / 4096.0 * (e - w);
            let y = n - ty / 4096.0 * (n - s);
            let lon = (x / 6_378_137.0).to_degrees();
            let lat = (2.0 * (y / 6_378_137.0).exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees();
            (f.id.unwrap_or(0), lon, lat, f.properties.unwrap_or_default())
        })
        .collect()
}

#[tokio::test]
async fn tiles_carry_ids_positions_and_properties() {
    let t = TestApp::new().await;
    t.ingest("places.geojson", "places", public).await;
    let tile = tile_of(CM.0, CM.1, 12);
    let got = get(&t.app, &format!("/tiles/places/12/{}/{}.mvt", tile.x, tile.y), &[]).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.headers["content-type"], "application/vnd.mapbox-vector-tile");
    let features = decode(&got.body, "places", tile);
    let cm = features.iter().find(|f| f.0 == 1).expect("Chiang Mai (fid 1) is in its tile");
    // One tile unit at z12 is about 2.4 m; allow two.
    assert!((cm.1 - CM.0).abs() < 5e-5 && (cm.2 - CM.1).abs() < 5e-5, "({}, {})", cm.1, cm.2);
    assert_eq!(cm.3["name_local"], Value::String("เชียงใหม่ นครพิงค์".into()));
    assert!(
        matches!(
            cm.3["population"],
            Value::Int(127_240) | Value::SInt(127_240) | Value::UInt(127_240) | Value::Double(127_240.0)
        ),
        "{:?}",
        cm.3["population"]
    );
    assert_eq!(cm.3["partner"], Value::Bool(true));
    assert!(features.iter().all(|f| f.0 != 3), "Tanjungpinang is not in a Chiang Mai tile");
    // .pbf is accepted too, with the same bytes.
    let pbf = get(&t.app, &format!("/tiles/places/12/{}/{}.pbf", tile.x, tile.y), &[]).await;
    assert_eq!(pbf.body, got.body);
}

#[tokio::test]
async fn drafts_never_reach_the_public() {
    let t = TestApp::new().await;
    t.ingest("places.geojson", "secret", |_| {}).await; // layers are drafts by default
    let tile = tile_of(CM.0, CM.1, 10);
    let uri = format!("/tiles/secret/10/{}/{}.mvt", tile.x, tile.y);
    let got = get(&t.app, &uri, &[]).await;
    assert_eq!(got.status, StatusCode::NOT_FOUND);
    let err: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(err["error"]["code"], "not_found");
    assert_eq!(get(&t.app, "/tiles/secret.json", &[]).await.status, StatusCode::NOT_FOUND);
    let list = get(&t.app, "/tiles", &[]).await;
    assert!(!String::from_utf8_lossy(&list.body).contains("secret"));

    let auth = format!("Bearer {PLANNER_TOKEN}");
    let mine = get(&t.app, &uri, &[("authorization", &auth)]).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert_eq!(mine.headers["cache-control"], "private, no-store");
    assert!(!decode(&mine.body, "secret", tile).is_empty());
}

#[tokio::test]
async fn bad_requests_get_json_4xx_and_empty_tiles_204() {
    let t = TestApp::new().await;
    t.ingest("places.geojson", "places", public).await;
    for (uri, status, says) in [
        ("/tiles/places/25/0/0.mvt", StatusCode::BAD_REQUEST, "zoom 25 is out of range"),
        ("/tiles/places/3/8/1.mvt", StatusCode::BAD_REQUEST, "does not exist at zoom 3"),
        ("/tiles/places/3/a/1.mvt", StatusCode::BAD_REQUEST, "x must be a whole number"),
        ("/tiles/places/3/1/1.png", StatusCode::BAD_REQUEST, "not .png"),
        ("/tiles/places/3/1/1", StatusCode::BAD_REQUEST, "ends in {y}.mvt"),
        ("/tiles/nowhere/3/1/1.mvt", StatusCode::NOT_FOUND, "no tile source 'nowhere'"),
        ("/tiles/Bad!/3/1/1.mvt", StatusCode::BAD_REQUEST, "is not allowed"),
        ("/tiles/places,places/3/1/1.mvt", StatusCode::BAD_REQUEST, "named twice"),
        ("/tiles/places", StatusCode::NOT_FOUND, "tile paths are"),
    ] {
        let got = get(&t.app, uri, &[]).await;
        assert_eq!(got.status, status, "{uri}");
        let body: serde_json::Value = serde_json::from_slice(&got.body).unwrap_or_else(|_| panic!("{uri}: not JSON"));
        assert!(body["error"]["message"].as_str().unwrap().contains(says), "{uri}: {body}");
    }
    // The South Atlantic holds no partner city.
    let sea = tile_of(-20.0, -30.0, 8);
    let got = get(&t.app, &format!("/tiles/places/8/{}/{}.mvt", sea.x, sea.y), &[]).await;
    assert_eq!(got.status, StatusCode::NO_CONTENT);
    assert!(got.body.is_empty());
}

#[tokio::test]
async fn etags_gzip_brotli_and_cache_control() {
    let t = TestApp::new().await;
    let r = t.ingest("places.geojson", "places", public).await;
    let tile = tile_of(CM.0, CM.1, 9);
    let uri = format!("/tiles/places/9/{}/{}.mvt", tile.x, tile.y);
    let plain = get(&t.app, &uri, &[]).await;
    assert_eq!(plain.headers["cache-control"], "public, max-age=300");
    assert_eq!(plain.headers["vary"], "Accept-Encoding");
    let etag = plain.headers["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'));

    let gz = get(&t.app, &uri, &[("accept-encoding", "gzip, deflate")]).await;
    assert_eq!(gz.headers["content-encoding"], "gzip");
    assert_ne!(gz.headers["etag"].to_str().unwrap(), etag, "each encoding has its own ETag");
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gz.body[..]).read_to_end(&mut unzipped).unwrap();
    assert_eq!(unzipped, plain.body);
    let br = get(&t.app, &uri, &[("accept-encoding", "gzip, br")]).await;
    assert_eq!(br.headers["content-encoding"], "br");

    let again = get(&t.app, &uri, &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    let other = get(&t.app, &uri, &[("if-none-match", "\"nope\"")]).await;
    assert_eq!(other.status, StatusCode::OK);

    let versioned = get(&t.app, &format!("{uri}?v={}", r.revision.unwrap()), &[]).await;
    assert_eq!(versioned.headers["cache-control"], "public, max-age=31536000, immutable");
    let stale = get(&t.app, &format!("{uri}?v=999"), &[]).await;
    assert_eq!(stale.headers["cache-control"], "public, max-age=300");
}

#[tokio::test]
async fn composite_tiles_hold_one_layer_per_source() {
    let t = TestApp::new().await;
    t.ingest("places.geojson", "places", public).await;
    t.ingest("zones.geojson", "zones", public).await;
    let tile = tile_of(CM.0, CM.1, 11);
    let got = get(&t.app, &format!("/tiles/places,zones/11/{}/{}.mvt", tile.x, tile.y), &[]).await;
    assert_eq!(got.status, StatusCode::OK);
    let reader = mvt_reader::Reader::new(got.body.clone()).unwrap();
    assert_eq!(reader.get_layer_names().unwrap(), vec!["places", "zones"]);
    let zones = decode(&got.body, "zones", tile);
    assert_eq!(zones.len(), 1, "the old city");
    assert_eq!(zones[0].3["name_local"], Value::String("เมืองเก่าเชียงใหม่".into()));
}

#[tokio::test]
async fn tilejson_describes_each_source_and_combinations() {
    let t = TestApp::new().await;
    let r = t
        .ingest("places.geojson", "places", |o| {
            public(o);
            o.meta.title = Some("Partner places".into());
            o.meta.attribution = Some("Nexus Atlas sample".into());
            o.meta.maxzoom = Some(16);
        })
        .await;
    t.ingest("zones.geojson", "zones", public).await;
    let got = get(&t.app, "/tiles/places.json", &[("host", "atlas.example:8080")]).await;
    assert_eq!(got.status, StatusCode::OK);
    let tj: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(tj["name"], "Partner places");
    assert_eq!(tj["attribution"], "Nexus Atlas sample");
    assert_eq!(
        tj["tiles"][0],
        format!("http://atlas.example:8080/tiles/places/{{z}}/{{x}}/{{y}}.mvt?v={}", r.revision.unwrap())
    );
    assert_eq!((tj["minzoom"].as_u64(), tj["maxzoom"].as_u64()), (Some(0), Some(16)));
    let b = tj["bounds"].as_array().unwrap();
    assert!((b[0].as_f64().unwrap() - 98.987).abs() < 1e-9 && (b[3].as_f64().unwrap() - 47.919).abs() < 1e-9);
    let fields = &tj["vector_layers"][0]["fields"];
    assert_eq!(tj["vector_layers"][0]["id"], "places");
    assert_eq!(fields["population"], "Number");
    assert_eq!(fields["partner"], "Boolean");
    assert_eq!(fields["name_local"], "String");

    let both: serde_json::Value = serde_json::from_slice(
        &get(
            &t.app,
            "/tiles/places,zones.json",
            &[("x-forwarded-proto", "https"), ("x-forwarded-host", "nexus.example")],
        )
        .await
        .body,
    )
    .unwrap();
    assert!(both["tiles"][0]
        .as_str()
        .unwrap()
        .starts_with("https://nexus.example/tiles/places,zones/{z}/{x}/{y}.mvt?v="));
    assert_eq!(both["vector_layers"].as_array().unwrap().len(), 2);

    let list: serde_json::Value = serde_json::from_slice(&get(&t.app, "/tiles", &[]).await.body).unwrap();
    let ids: Vec<&str> = list["sources"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["places", "projects", "zones"], "the layers, and the projects as a source of their own");
}

#[tokio::test]
async fn low_zooms_are_served_from_the_prerendered_store() {
    let t = TestApp::with(|c| c.tiles.prerender_maxzoom = Some(8)).await;
    let r = t.ingest("zones.geojson", "zones", public).await;
    let rev = r.revision.unwrap();
    // Wait for the pre-renderer.
    let mut stored = None;
    for _ in 0..300 {
        let l = t.store.layer(&"zones".parse().unwrap()).await.unwrap().unwrap();
        if l.prerendered_revision == Some(rev) {
            stored = l.prerendered_maxzoom;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(stored, Some(8), "zooms 0..=8 pre-rendered");
    // An instance that comes to the same revision after this one finished does not render it again.
    let again = t.store.tile_store_writer(&"zones".parse().unwrap(), rev).await.unwrap();
    assert!(again.is_none(), "one revision is pre-rendered once");
    t.await_revision("zones", rev).await;
    for _ in 0..100 {
        if t.state.tiles.catalog().get("zones").is_some_and(|l| l.prerendered_revision == Some(rev)) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // Remove the features behind the catalog's back: stored zooms still show them, live ones do not.
    let (c, conn) = tokio_postgres::connect(&t.db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let n: i64 = c
        .query_one("SELECT count(*) FROM tile_store WHERE layer_id = 'zones' AND revision = $1", &[&rev])
        .await
        .unwrap()
        .get(0);
    assert!(n >= 9, "at least one tile per zoom: {n}");
    c.batch_execute("DELETE FROM \"f_zones\"").await.unwrap();
    let low = tile_of(CM.0, CM.1, 7);
    let got = get(&t.app, &format!("/tiles/zones/7/{}/{}.mvt", low.x, low.y), &[("accept-encoding", "gzip")]).await;
    assert_eq!(got.status, StatusCode::OK, "z7 comes from the store");
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(&got.body[..]).read_to_end(&mut raw).unwrap();
    assert_eq!(decode(&raw, "zones", low).len(), 1);
    let high = tile_of(CM.0, CM.1, 12);
    let got = get(&t.app, &format!("/tiles/zones/12/{}/{}.mvt", high.x, high.y), &[]).await;
    assert_eq!(got.status, StatusCode::NO_CONTENT, "z12 is rendered live from the (now empty) table");
}

#[tokio::test]
async fn a_change_reaches_every_instance_at_once() {
    let t = TestApp::new().await;
    let first = t.ingest("places.geojson", "places", public).await;
    let b = t.second_instance().await;
    let tile = tile_of(CM.0, CM.1, 10);
    let uri = format!("/tiles/places/10/{}/{}.mvt", tile.x, tile.y);
    let before = get(&b, &uri, &[]).await;
    assert_eq!(decode(&before.body, "places", tile).len(), 2, "Chiang Mai and its treatment plant");

    // Replace the layer from elsewhere (here: directly through ingest, as the CLI would).
    let second = t.ingest("zones.geojson", "places", public).await;
    assert_eq!(second.revision, Some(first.revision.unwrap() + 1));
    let started = std::time::Instant::now();
    let after = loop {
        let got = get(&b, &uri, &[]).await;
        if got.body != before.body {
            break got;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "instance B still serves the old tile");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    };
    let features = decode(&after.body, "places", tile);
    assert_eq!(features.len(), 1);
    assert_eq!(features[0].3["name"], Value::String("Chiang Mai old city".into()));
    let tj: serde_json::Value = serde_json::from_slice(&get(&b, "/tiles/places.json", &[]).await.body).unwrap();
    assert_eq!(tj["version"], second.revision.unwrap().to_string());
}

#[tokio::test]
async fn gdal_reads_our_tiles_back_to_the_same_places() {
    let t = TestApp::new().await;
    t.ingest("places.geojson", "places", public).await;
    let tile = tile_of(CM.0, CM.1, 12);
    let got = get(&t.app, &format!("/tiles/places/12/{}/{}.mvt", tile.x, tile.y), &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tile.mvt");
    std::fs::write(&file, &got.body).unwrap();
    let out = std::process::Command::new("ogr2ogr")
        .args(["-f", "GeoJSON", "/vsistdout/"])
        .arg(&file)
        .args(["-oo", &format!("X={}", tile.x), "-oo", &format!("Y={}", tile.y), "-oo", "Z=12", "-t_srs", "EPSG:4326"])
        .output()
        .expect("ogr2ogr (gdal-bin) is installed by scripts/setup");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let fc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cm = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["name"] == "Chiang Mai")
        .expect("GDAL finds Chiang Mai");
    let c = &cm["geometry"]["coordinates"];
    assert!((c[0].as_f64().unwrap() - CM.0).abs() < 5e-5 && (c[1].as_f64().unwrap() - CM.1).abs() < 5e-5, "{c}");
    assert_eq!(cm["properties"]["name_local"], "เชียงใหม่ นครพิงค์");
}

#[tokio::test]
async fn tilejson_attribution_is_text_not_html() {
    let t = TestApp::new().await;
    t.ingest("places.geojson", "places", |o| {
        o.meta.visibility = Some(nexus_core::Visibility::Public);
        o.meta.attribution = Some("<img src=https://evil.example/t.gif> & \"friends\"".into());
    })
    .await;
    let (status, doc) = t.get_json("/tiles/places.json").await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["attribution"], "&lt;img src=https://evil.example/t.gif&gt; &amp; &quot;friends&quot;");
}
