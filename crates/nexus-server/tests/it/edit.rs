//! OGC API - Features Part 4: one feature created, replaced, patched and deleted, with ETags,
//! `If-Match`, the layer's rules, the roles, the audit trail and each feature's history.

use axum::http::StatusCode;
use nexus_core::{CitySlug, Role, Visibility};
use serde_json::{json, Value};

use crate::accounts::{add_user, audit_count, req, token_of, with_cities, Auth};
use crate::support::{TestApp, PLANNER_TOKEN};

const ADMIN: Auth<'static> = Auth::Bearer(PLANNER_TOKEN);

fn point(lon: f64, lat: f64, props: &Value) -> Value {
    json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [lon, lat] }, "properties": props })
}

/// A request with `If-Match` and, when given, `Content-Crs`.
fn with_headers(
    mut r: axum::http::Request<axum::body::Body>,
    etag: Option<&str>,
    crs: Option<&str>,
) -> axum::http::Request<axum::body::Body> {
    if let Some(e) = etag {
        r.headers_mut().insert("if-match", format!("\"{e}\"").parse().unwrap());
    }
    if let Some(c) = crs {
        r.headers_mut().insert("content-crs", format!("<{c}>").parse().unwrap());
    }
    r
}

fn etag(h: &axum::http::HeaderMap) -> String {
    h.get("etag").expect("an ETag").to_str().unwrap().trim_matches('"').to_owned()
}

/// The places fixture as Chiang Mai's layer `cm-places` (six points, ids 0 to 5).
async fn places(t: &TestApp, visibility: Visibility) {
    with_cities(t).await;
    t.ingest("places.geojson", "cm-places", |o| {
        o.meta.visibility = Some(visibility);
        o.meta.city = Some(CitySlug::new("chiang-mai").unwrap());
    })
    .await;
}

/// Makes a layer public behind the API's back, and waits until the catalog knows.
async fn publish(t: &TestApp, layer: &str) {
    let (client, conn) = tokio_postgres::connect(&t.db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.execute("UPDATE layers SET visibility = 'public' WHERE id = $1", &[&layer]).await.unwrap();
    for _ in 0..200 {
        if t.state.tiles.catalog().get(layer).is_some_and(|l| l.visibility == Visibility::Public) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the catalog never saw {layer} published");
}

async fn count(t: &TestApp, sql: &str) -> i64 {
    t.sql_f64s(&format!("SELECT ({sql})::float8")).await[0] as i64
}

#[tokio::test]
async fn a_feature_is_created_replaced_patched_and_deleted_with_etags_and_history() {
    let t = TestApp::new().await;
    places(&t, Visibility::Public).await;
    let revision = count(&t, "SELECT revision FROM layers WHERE id = 'cm-places'").await;
    let next = count(&t, "SELECT max(fid) + 1 FROM features WHERE layer_id = 'cm-places'").await;
    let (one, item) = (format!("/collections/cm-places/items/{next}"), |n: i64| format!("/items/{n}"));

    let (s, h, created) = t
        .send(req(
            "POST",
            "/collections/cm-places/items",
            ADMIN,
            &point(98.99, 18.79, &json!({ "name": "New well", "population": 5 })),
        ))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert!(h["location"].to_str().unwrap().ends_with(&item(next)), "{:?}", h["location"]);
    assert_eq!(created["properties"]["name"], "New well");
    let v1 = etag(&h);
    let res = tower::ServiceExt::oneshot(t.app.clone(), req("GET", &one, Auth::None, &Value::Null)).await.unwrap();
    assert_eq!(etag(res.headers()), v1, "a read carries the version a write sends back");

    let (s, h, _) = t
        .send(with_headers(
            req("PUT", &one, ADMIN, &point(98.991, 18.791, &json!({ "name": "Well 6", "population": 7 }))),
            Some(&v1),
            None,
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    let v2 = etag(&h);
    assert_ne!(v1, v2);
    // A second writer who started from the first version is refused, and nothing changes.
    let (s, h, body) = t
        .send(with_headers(
            req("PUT", &one, ADMIN, &point(0.0, 0.0, &json!({ "name": "Lost update" }))),
            Some(&v1),
            None,
        ))
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED, "{body}");
    assert_eq!(etag(&h), v2, "the 412 says what the feature is now");
    let (_, now) = t.get_json(&one).await;
    assert_eq!(now["properties"]["name"], "Well 6");

    let patch = json!({ "properties": { "name": "Patched well", "population": null } });
    // A Content-Crs on a patch without geometry does not move the stored geometry.
    let lat_first = Some("http://www.opengis.net/def/crs/EPSG/0/4326");
    let (s, h, patched) = t.send(with_headers(req("PATCH", &one, ADMIN, &patch), Some(&v2), lat_first)).await;
    assert_eq!(s, StatusCode::OK, "{patched}");
    let set: serde_json::Map<String, Value> = patched["properties"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(Value::Object(set), json!({ "name": "Patched well" }), "population removed, the rest as it was");
    assert_eq!(patched["geometry"]["coordinates"], json!([98.991, 18.791]), "a patch without geometry keeps it");
    let (s, _, _) = t.send(with_headers(req("DELETE", &one, ADMIN, &Value::Null), Some(&v2), None)).await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED, "a delete from an old version is stale too");
    let (s, _, _) = t.send(with_headers(req("DELETE", &one, ADMIN, &Value::Null), Some(&etag(&h)), None)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(t.get(&one).await.0, StatusCode::NOT_FOUND);

    // The history is for the city's members (the planner token is a site admin).
    assert_eq!(t.get(&format!("{one}/history")).await.0, StatusCode::NOT_FOUND, "not for the public");
    let (_, _, history) = t.send(req("GET", &format!("{one}/history"), ADMIN, &Value::Null)).await;
    let actions: Vec<&str> =
        history["edits"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["delete", "update", "replace", "create"]);
    assert_eq!(history["edits"][1]["before"]["properties"]["population"], 7);
    assert_eq!(history["edits"][1]["after"]["properties"]["name"], "Patched well");
    assert_eq!(history["edits"][0]["after"], Value::Null);
    for action in ["feature.create", "feature.replace", "feature.update", "feature.delete"] {
        assert_eq!(audit_count(&t, action).await, 1, "{action}");
    }
    assert_eq!(
        count(&t, "SELECT revision FROM layers WHERE id = 'cm-places'").await,
        revision + 4,
        "one revision per write"
    );
    assert_eq!(count(&t, "SELECT feature_count FROM layers WHERE id = 'cm-places'").await, 6);
    // A new feature never takes a deleted one's id: its history stays its own.
    let (_, h, _) = t.send(req("POST", "/collections/cm-places/items", ADMIN, &point(98.99, 18.79, &json!({})))).await;
    assert!(h["location"].to_str().unwrap().ends_with(&item(next + 1)));
    // A layer removed for good takes its features' history with it.
    let (s, _, _) = t.send(req("DELETE", "/api/layers/cm-places", ADMIN, &Value::Null)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(t.store.purge_layers().await.unwrap(), ["cm-places"]);
    assert_eq!(count(&t, "SELECT count(*) FROM feature_edits").await, 0);
}

#[tokio::test]
async fn a_feature_that_breaks_the_layers_rules_is_refused_with_the_reason_and_nothing_is_stored() {
    let t = TestApp::new().await;
    places(&t, Visibility::Public).await;
    let state = "SELECT revision * 1000 + feature_count FROM layers WHERE id = 'cm-places'";
    let before = count(&t, state).await;
    let line = json!({ "type": "Feature", "geometry": { "type": "LineString", "coordinates": [[98.9, 18.7], [99.0, 18.8]] }, "properties": {} });
    let cases: Vec<(Value, Option<&str>, StatusCode, &str)> = vec![
        (line, None, StatusCode::UNPROCESSABLE_ENTITY, "holds points"),
        (point(500.0, 18.0, &json!({})), None, StatusCode::UNPROCESSABLE_ENTITY, "outside the globe"),
        (point(98.9, 18.7, &json!({ "population": "many" })), None, StatusCode::UNPROCESSABLE_ENTITY, "whole number"),
        (point(98.9, 18.7, &json!({ "tags": ["a"] })), None, StatusCode::UNPROCESSABLE_ENTITY, "list or an object"),
        (
            point(98.9, 18.7, &json!({})),
            Some("http://www.opengis.net/def/crs/EPSG/0/999999"),
            StatusCode::BAD_REQUEST,
            "Content-Crs",
        ),
        (
            json!({ "type": "Feature", "geometry": null, "properties": {} }),
            None,
            StatusCode::BAD_REQUEST,
            "no geometry",
        ),
        (
            json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": "x" } }),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "cannot be read",
        ),
    ];
    for (body, crs, status, says) in cases {
        let (s, _, answer) =
            t.send(with_headers(req("POST", "/collections/cm-places/items", ADMIN, &body), None, crs)).await;
        assert_eq!(s, status, "{body} → {answer}");
        assert!(answer["error"]["message"].as_str().unwrap().contains(says), "{answer}");
    }
    assert_eq!(count(&t, state).await, before, "nothing stored, no revision made");
    assert_eq!(count(&t, "SELECT count(*) FROM feature_edits").await, 0);

    // Other coordinate systems are said in Content-Crs: a UTM zone, and EPSG:4326 latitude first.
    let utm = point(499_263.0, 2_077_880.0, &json!({ "name": "UTM" }));
    let (s, _, f) = t
        .send(with_headers(
            req("POST", "/collections/cm-places/items", ADMIN, &utm),
            None,
            Some("http://www.opengis.net/def/crs/EPSG/0/32647"),
        ))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    let c = f["geometry"]["coordinates"].as_array().unwrap();
    assert!((c[0].as_f64().unwrap() - 98.993).abs() < 0.01 && (c[1].as_f64().unwrap() - 18.79).abs() < 0.01, "{c:?}");
    let lat_first = point(18.79, 98.99, &json!({ "name": "lat first" }));
    let (_, _, f) = t
        .send(with_headers(
            req("POST", "/collections/cm-places/items", ADMIN, &lat_first),
            None,
            Some("http://www.opengis.net/def/crs/EPSG/0/4326"),
        ))
        .await;
    assert_eq!(f["geometry"]["coordinates"], json!([98.99, 18.79]));

    // An invalid polygon (a bow tie) is repaired, and the answer says so.
    t.ingest("zones.geojson", "cm-zones", |o| o.meta.visibility = Some(Visibility::Public)).await;
    let bow = json!({ "type": "Feature", "properties": {}, "geometry": { "type": "Polygon",
        "coordinates": [[[98.9, 18.7], [99.0, 18.8], [99.0, 18.7], [98.9, 18.8], [98.9, 18.7]]] } });
    let (s, _, f) = t.send(req("POST", "/collections/cm-zones/items", ADMIN, &bow)).await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    assert!(f["repaired"].as_str().unwrap().contains("Self-intersection"), "{f}");
    assert_eq!(f["geometry"]["type"], "MultiPolygon");
}

#[tokio::test]
async fn only_the_layers_editors_may_write_and_options_says_so() {
    let t = TestApp::new().await;
    places(&t, Visibility::Draft).await;
    add_user(&t, "editor@cm.test", false, &[("chiang-mai", Role::Editor)]).await;
    add_user(&t, "publisher@naga.test", false, &[("naga", Role::Publisher)]).await;
    let editor = token_of(&t, "editor@cm.test").await;
    let other = token_of(&t, "publisher@naga.test").await;
    let body = point(98.99, 18.79, &json!({ "name": "x" }));

    let (s, _, _) = t.send(req("POST", "/collections/cm-places/items", Auth::None, &body)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Another city's people do not see Chiang Mai's draft layer at all.
    let (s, _, _) = t.send(req("POST", "/collections/cm-places/items", Auth::Bearer(&other), &body)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, f) = t.send(req("POST", "/collections/cm-places/items", Auth::Bearer(&editor), &body)).await;
    assert_eq!(s, StatusCode::CREATED, "{f}");

    let allow = |h: &axum::http::HeaderMap| {
        h.get("allow").unwrap_or_else(|| panic!("no Allow in {h:?}")).to_str().unwrap().to_owned()
    };
    let (_, h, _) = t.send(req("OPTIONS", "/collections/cm-places/items/1", Auth::Bearer(&editor), &Value::Null)).await;
    assert_eq!(allow(&h), "GET, HEAD, OPTIONS, PUT, PATCH, DELETE");

    // Published, the layer is a publisher's to change: the editor may read, not write.
    publish(&t, "cm-places").await;
    let (s, _, _) = t.send(req("PUT", "/collections/cm-places/items/1", Auth::Bearer(&editor), &body)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = t.send(req("DELETE", "/collections/cm-places/items/1", Auth::Bearer(&other), &Value::Null)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a publisher of another city");
    let (_, h, _) = t.send(req("OPTIONS", "/collections/cm-places/items", Auth::Bearer(&editor), &Value::Null)).await;
    assert_eq!(allow(&h), "GET, HEAD, OPTIONS");
    let (_, h, _) = t.send(req("OPTIONS", "/collections/cm-places/items", ADMIN, &Value::Null)).await;
    assert_eq!(allow(&h), "GET, HEAD, OPTIONS, POST");
    assert_eq!(count(&t, "SELECT feature_count FROM layers WHERE id = 'cm-places'").await, 7);
    assert_eq!(audit_count(&t, "feature.create").await, 1);
}

#[tokio::test]
async fn an_edited_feature_is_in_the_layers_tiles() {
    let t = TestApp::new().await;
    places(&t, Visibility::Public).await;
    let (lon, lat) = (100.5, 13.75);
    let tile = nexus_core::TileCoord::containing(lon, lat, 12);
    let uri = format!("/tiles/cm-places/{}/{}/{}.mvt", tile.z, tile.x, tile.y);
    assert_eq!(t.get(&uri).await.0, StatusCode::NO_CONTENT, "nothing there yet");
    let (s, _, f) = t
        .send(req("POST", "/collections/cm-places/items", ADMIN, &point(lon, lat, &json!({ "name": "Bangkok" }))))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    let revision = count(&t, "SELECT revision FROM layers WHERE id = 'cm-places'").await;
    t.await_revision("cm-places", revision).await;
    let (s, _, body) = t.get(&uri).await;
    assert_eq!(s, StatusCode::OK);
    let reader = mvt_reader::Reader::new(body).unwrap();
    let names: Vec<_> = reader
        .get_features_as::<f64>(0)
        .unwrap()
        .into_iter()
        .filter_map(|f| f.properties?.get("name").cloned())
        .collect();
    assert!(names.contains(&mvt_reader::feature::Value::String("Bangkok".into())), "{names:?}");
}
