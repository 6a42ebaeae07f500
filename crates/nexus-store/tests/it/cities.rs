//! The cities table and the schema rules that guard it.

use nexus_core::CityCollection;
use nexus_store::testing::TestDb;

use crate::util::raw;

const TWO: &str = r#"{"type":"FeatureCollection","features":[
  {"type":"Feature","geometry":{"type":"Point","coordinates":[98.987,18.788]},
   "properties":{"slug":"chiang-mai","name":"Chiang Mai","name_local":"เชียงใหม่","country":"TH","role":"partner","approximate":true,"source":"GIZ"}},
  {"type":"Feature","geometry":{"type":"Point","coordinates":[106.917,47.919]},
   "properties":{"slug":"ulaanbaatar","name":"Ulaanbaatar","name_local":"Улаанбаатар","country":"MN","role":"partner","approximate":true,"source":"GIZ"}}]}"#;

#[tokio::test]
async fn cities_round_trip_and_upsert_is_idempotent() {
    let db = TestDb::new().await.unwrap();
    let store = db.store().await.unwrap();
    let cities = CityCollection::from_geojson(TWO).unwrap().0;
    assert_eq!(store.upsert_cities(&cities).await.unwrap(), 2);
    assert_eq!(store.upsert_cities(&cities).await.unwrap(), 0, "unchanged rows are not rewritten");

    let back = store.list_cities().await.unwrap();
    assert_eq!(back, {
        let mut c = cities.clone();
        c.sort_by(|a, b| a.name.cmp(&b.name));
        c
    });
    assert_eq!(back[1].name_local.as_deref(), Some("Улаанбаатар"));

    let mut moved = cities.clone();
    moved[0].lon = 98.99;
    assert_eq!(store.upsert_cities(&moved).await.unwrap(), 1);
}

#[tokio::test]
async fn schema_refuses_what_the_domain_refuses() {
    let db = TestDb::new().await.unwrap();
    let client = raw(&db.url).await;
    let bad_slug = client
        .execute("INSERT INTO cities (slug, name, country, role, centre) VALUES ('Bad Slug', 'x', 'TH', 'p', ST_Point(0, 0, 4326))", &[])
        .await;
    assert!(bad_slug.is_err());
    client
        .batch_execute("INSERT INTO cities (slug, name, country, role, centre) VALUES ('naga', 'Naga', 'PH', 'partner', ST_Point(123.185, 13.624, 4326))")
        .await
        .unwrap();
    let bad_sector = client
        .execute(
            "INSERT INTO projects (slug, city, title, sectors, status) VALUES ('x', 'naga', 'x', ARRAY['biogas'], 'idea')",
            &[],
        )
        .await;
    assert!(bad_sector.is_err());
    let no_sector = client
        .execute(
            "INSERT INTO projects (slug, city, title, sectors, status) VALUES ('x', 'naga', 'x', ARRAY[]::text[], 'idea')",
            &[],
        )
        .await;
    assert!(no_sector.is_err());
    client
        .execute("INSERT INTO projects (slug, city, title, sectors, status) VALUES ('naga-septage', 'naga', 'Septage biogas', ARRAY['water','energy'], 'completed')", &[])
        .await
        .unwrap();
}

#[tokio::test]
async fn features_get_a_partition_per_layer_with_its_own_spatial_index() {
    let db = TestDb::new().await.unwrap();
    let client = raw(&db.url).await;
    client
        .batch_execute(
            "INSERT INTO layers (id, title, kind, sectors) VALUES ('canals', 'Canals', 'waterway', ARRAY['water']);
             CREATE TABLE \"features_canals\" PARTITION OF features FOR VALUES IN ('canals');
             INSERT INTO features (layer_id, fid, geom, properties)
             VALUES ('canals', 1, ST_GeomFromText('LINESTRING(98.979 18.829, 98.996 18.742)', 4326),
                     '{\"name\": \"คลองแม่ข่า\"}');",
        )
        .await
        .unwrap();
    let idx: Vec<String> = client
        .query("SELECT indexdef FROM pg_indexes WHERE tablename = 'features_canals'", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(idx.iter().any(|d| d.contains("USING gist (geom_3857)")), "{idx:?}");
    assert!(!idx.iter().any(|d| d.contains("USING gist (geom)")), "one spatial index, on the 3857 copy: {idx:?}");
    let name: String = client
        .query_one("SELECT properties->>'name' FROM features WHERE layer_id = 'canals' AND fid = 1", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(name, "คลองแม่ข่า");
    // The web-mercator copy is derived by the database.
    let x: f64 = client
        .query_one("SELECT ST_XMin(geom_3857) FROM features WHERE layer_id = 'canals'", &[])
        .await
        .unwrap()
        .get(0);
    assert!((x - 11_018_291.88).abs() < 0.01, "{x}");
    // Beyond web mercator's latitude the copy is clipped, not sent to infinity.
    client
        .batch_execute(
            "INSERT INTO features (layer_id, fid, geom) VALUES ('canals', 2, 'SRID=4326;LINESTRING(0 80, 0 89.9)')",
        )
        .await
        .unwrap();
    let ymax: f64 =
        client.query_one("SELECT ST_YMax(geom_3857) FROM features WHERE fid = 2", &[]).await.unwrap().get(0);
    assert!((ymax - 20_037_508.34).abs() < 1.0, "{ymax}");
    // A feature of an unknown layer has no partition to go to.
    assert!(client
        .execute("INSERT INTO features (layer_id, fid, geom) VALUES ('nope', 1, ST_Point(0,0,4326))", &[])
        .await
        .is_err());
}
