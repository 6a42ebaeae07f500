//! Part 2: geometries served in another coordinate system (`crs=`, said in `Content-Crs`),
//! boxes given in one (`bbox-crs`), and what each collection offers (`crs`, `storageCrs`).

use axum::http::StatusCode;
use serde_json::Value;

use super::{atlas, get_with, ids};

const EPSG: &str = "http://www.opengis.net/def/crs/EPSG/0/";

async fn items(t: &crate::support::TestApp, query: &str) -> (StatusCode, Option<String>, Value) {
    let res = tower::ServiceExt::oneshot(
        t.app.clone(),
        axum::http::Request::get(format!("/collections/places/items?{query}")).body(axum::body::Body::empty()).unwrap(),
    )
    .await
    .unwrap();
    let status = res.status();
    let crs = res.headers().get("content-crs").map(|v| v.to_str().unwrap().to_owned());
    let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
    (status, crs, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn first_point(fc: &Value, id: i64) -> (f64, f64) {
    let f = fc["features"].as_array().unwrap().iter().find(|f| f["id"] == id).unwrap();
    let c = &f["geometry"]["coordinates"];
    (c[0].as_f64().unwrap(), c[1].as_f64().unwrap())
}

#[tokio::test]
async fn geometries_are_served_and_boxes_read_in_the_coordinate_system_asked_for() {
    let t = atlas().await;
    let (_, _, body) = get_with(&t, "/collections/places", &[("accept", "application/json")]).await;
    let doc: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(doc["storageCrs"], "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
    let offered: Vec<&str> = doc["crs"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert!(offered.contains(&format!("{EPSG}32647").as_str()) && offered.contains(&format!("{EPSG}3857").as_str()));
    let (_, conformance) = t.get_json("/conformance").await;
    assert!(conformance["conformsTo"].to_string().contains("ogcapi-features-2/1.0/conf/crs"));

    let (s, crs, lonlat) = items(&t, "").await;
    assert_eq!((s, crs.as_deref()), (StatusCode::OK, Some("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")));
    let cm = lonlat["features"].as_array().unwrap().iter().find(|f| f["properties"]["name"] == "Chiang Mai").unwrap();
    let id = cm["id"].as_i64().unwrap();
    let (lon, lat) = first_point(&lonlat, id);

    // UTM zone 47N, as PostGIS computes it.
    let (s, crs, utm) = items(&t, &format!("crs={EPSG}32647")).await;
    assert_eq!((s, crs), (StatusCode::OK, Some(format!("<{EPSG}32647>"))));
    let want = t
        .sql_f64s(&format!(
            "SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326), 32647) p"
        ))
        .await;
    let (x, y) = first_point(&utm, id);
    assert!((x - want[0]).abs() < 0.01 && (y - want[1]).abs() < 0.01, "({x}, {y}) is not {want:?}");
    assert!(utm["features"][0]["geometry"].get("crs").is_none(), "no crs member in the GeoJSON");
    // EPSG:4326 is latitude first.
    let (_, _, flipped) = items(&t, &format!("crs={EPSG}4326")).await;
    assert_eq!(first_point(&flipped, id), (lat, lon));
    // One feature too, in web mercator's metres.
    let res = tower::ServiceExt::oneshot(
        t.app.clone(),
        axum::http::Request::get(format!("/collections/places/items/{id}?crs=EPSG:3857"))
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(res.headers()["content-crs"], format!("<{EPSG}3857>").as_str());
    let one: Value = serde_json::from_slice(&axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap()).unwrap();
    let x = one["geometry"]["coordinates"][0].as_f64().unwrap();
    assert!((x - lon.to_radians() * 6_378_137.0).abs() < 0.01, "{one}");

    // The same box in three coordinate systems finds the same features.
    let (_, _, plain) = items(&t, "bbox=98.9,18.7,99.1,18.9").await;
    let (_, _, lat_first) = items(&t, &format!("bbox=18.7,98.9,18.9,99.1&bbox-crs={EPSG}4326")).await;
    let corners = t
        .sql_f64s("SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM ST_Transform(ST_MakeEnvelope(98.95, 18.77, 98.995, 18.80, 4326), 32647) b")
        .await;
    let utm_box = corners.iter().map(f64::to_string).collect::<Vec<_>>().join(",");
    let (_, _, in_utm) = items(&t, &format!("bbox={utm_box}&bbox-crs={EPSG}32647")).await;
    assert!(ids(&plain).contains(&id) && ids(&plain).len() < ids(&lonlat).len(), "{plain}");
    assert_eq!(ids(&lat_first), ids(&plain));
    assert_eq!(ids(&in_utm), vec![id]);

    for bad in [format!("crs={EPSG}2000"), "bbox=1,2,3,4&bbox-crs=urn:nowhere".to_owned()] {
        let (s, _, answer) = items(&t, &bad).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
        assert!(answer["error"]["message"].as_str().unwrap().contains("not a coordinate system this server takes"));
    }
}
