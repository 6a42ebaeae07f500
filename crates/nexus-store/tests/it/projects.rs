//! Loading projects from data files.

use nexus_core::{CityCollection, ProjectCollection};
use nexus_store::testing::TestDb;
use nexus_store::StoreError;

use crate::util::raw;

const CITY: &str = r#"{"type":"FeatureCollection","features":[
  {"type":"Feature","geometry":{"type":"Point","coordinates":[104.446,0.918]},
   "properties":{"slug":"tanjungpinang","name":"Tanjungpinang","country":"ID","role":"partner"}}]}"#;

const PROJECTS: &str = r#"{"type":"FeatureCollection","features":[
  {"type":"Feature","geometry":{"type":"Point","coordinates":[104.505,0.915]},
   "properties":{"slug":"tpi-ganet","city":"tanjungpinang","title":"Waste-to-energy at Ganet",
                 "title_local":"Pengolahan sampah menjadi energi di TPA Ganet","sectors":["waste","energy"],
                 "dimensions":["finance_business"],"status":"idea","budget":1500000,"currency":"IDR",
                 "partners":["Kota Tanjungpinang"],"approximate":true,"visibility":"public"}},
  {"type":"Feature","geometry":null,
   "properties":{"slug":"tpi-plan","city":"tanjungpinang","title":"Nexus plan","sectors":["land"],"status":"planned"}}]}"#;

#[tokio::test]
async fn projects_load_once_and_update_in_place() {
    let db = TestDb::new().await.unwrap();
    let store = db.store().await.unwrap();
    store.upsert_cities(&CityCollection::from_geojson(CITY).unwrap().0).await.unwrap();
    let projects = ProjectCollection::from_geojson(PROJECTS).unwrap().0;
    assert_eq!(store.upsert_projects(&projects).await.unwrap(), 2);
    assert_eq!(store.upsert_projects(&projects).await.unwrap(), 0, "unchanged projects are not rewritten");

    let c = raw(&db.url).await;
    let row = c
        .query_one(
            "SELECT title_local, sectors, budget::float8, ST_X(geom), ST_X(geom_3857) > 11000000, revision, visibility
             FROM projects WHERE slug = 'tpi-ganet'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "Pengolahan sampah menjadi energi di TPA Ganet");
    assert_eq!(row.get::<_, Vec<String>>(1), vec!["waste", "energy"]);
    assert_eq!(row.get::<_, f64>(2), 1_500_000.0);
    assert!((row.get::<_, f64>(3) - 104.505).abs() < 1e-9);
    assert!(row.get::<_, bool>(4));
    assert_eq!(row.get::<_, i64>(5), 0);
    assert_eq!(row.get::<_, String>(6), "public");
    let plan: (Option<String>, String) = {
        let r =
            c.query_one("SELECT ST_AsText(geom), visibility FROM projects WHERE slug = 'tpi-plan'", &[]).await.unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(plan, (None, "draft".to_owned()), "no place, and a draft unless said otherwise");

    let mut changed = projects.clone();
    changed[0].meta.status = nexus_core::ProjectStatus::Planned;
    assert_eq!(store.upsert_projects(&changed).await.unwrap(), 1);
    let rev: i64 = c.query_one("SELECT revision FROM projects WHERE slug = 'tpi-ganet'", &[]).await.unwrap().get(0);
    assert_eq!(rev, 1);
}

#[tokio::test]
async fn a_bad_project_is_named_and_nothing_is_written() {
    let db = TestDb::new().await.unwrap();
    let store = db.store().await.unwrap();
    store.upsert_cities(&CityCollection::from_geojson(CITY).unwrap().0).await.unwrap();
    let bad = PROJECTS.replace(r#""coordinates":[104.505,0.915]"#, r#""coordinates":"nowhere""#);
    let projects = ProjectCollection::from_geojson(&bad).unwrap().0;
    let err = store.upsert_projects(&projects).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(err.to_string().starts_with("project 'tpi-ganet' was refused"), "{err}");
    let unknown_city =
        PROJECTS.replace(r#""city":"tanjungpinang","title":"Nexus plan""#, r#""city":"atlantis","title":"Nexus plan""#);
    let err = store.upsert_projects(&ProjectCollection::from_geojson(&unknown_city).unwrap().0).await.unwrap_err();
    assert!(err.to_string().starts_with("project 'tpi-plan' was refused"), "{err}");
    let n: i64 = raw(&db.url).await.query_one("SELECT count(*) FROM projects", &[]).await.unwrap().get(0);
    assert_eq!(n, 0);
}
