//! All or nothing: replace swaps in one step, append adds, revisions and provenance move
//! only on success.

use nexus_core::{GeometryFamily, LayerId};
use nexus_ingest::{IngestError, IngestOptions};
use nexus_store::LoadMode;

use crate::util::{fixture, Env};

#[tokio::test]
async fn replace_swaps_and_records_provenance() {
    let env = Env::new().await;
    let r1 = env.ingest_file(&fixture("places.geojson"), "things").await.unwrap();
    assert_eq!(r1.revision, Some(1));
    let r2 = env.ingest_file(&fixture("zones.geojson"), "things").await.unwrap();
    assert_eq!(r2.revision, Some(2));
    assert_eq!(env.count("things").await, 2, "replace leaves only the new features");
    let l = env.store.layer(&LayerId::new("things").unwrap()).await.unwrap().unwrap();
    assert_eq!((l.revision, l.feature_count, l.geometry_type), (2, 2, Some(GeometryFamily::Polygon)));
    let fids: Vec<i64> = env
        .sql
        .query("SELECT fid FROM features WHERE layer_id = 'things' ORDER BY fid", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(fids, vec![1, 2]);
    let rows = env
        .sql
        .query("SELECT revision, file_name, file_sha256, features_read, features_loaded, mode FROM layer_ingests WHERE layer_id = 'things' ORDER BY revision", &[])
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].get::<_, String>(1), "zones.geojson");
    assert_eq!(rows[1].get::<_, String>(2), r2.sha256);
    assert_eq!(rows[1].get::<_, i64>(3), 2);
    assert_eq!(rows[1].get::<_, String>(5), "replace");
    // One partition per layer, no leftovers from the swap.
    let tables: Vec<String> = env
        .sql
        .query("SELECT relname::text FROM pg_class WHERE relname LIKE 'f\\_things%' AND relkind = 'r'", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(tables, vec!["f_things"]);
    assert_eq!(unfrozen_pages(&env, "f_things").await, 0, "a replace writes its new table's rows frozen");
}

/// Pages of `table` holding rows that are not yet frozen (that a later read or vacuum would
/// write again).
async fn unfrozen_pages(env: &Env, table: &str) -> i64 {
    env.sql.batch_execute("CREATE EXTENSION IF NOT EXISTS pg_visibility").await.unwrap();
    let q = format!("SELECT count(*) FROM pg_visibility_map('{table}') WHERE NOT all_frozen");
    env.sql.query_one(&q, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn append_adds_with_new_ids_and_refuses_another_family() {
    let env = Env::new().await;
    env.ingest_file(&fixture("places.geojson"), "pts").await.unwrap();
    let mut o = IngestOptions::new(fixture("places.geojsonl"), LayerId::new("pts").unwrap());
    o.mode = LoadMode::Append;
    let r = env.ingest(o).await.unwrap();
    assert_eq!((r.revision, r.features.loaded), (Some(2), 6));
    assert_eq!(env.count("pts").await, 12);
    let max: i64 = env.sql.query_one("SELECT max(fid) FROM features WHERE layer_id = 'pts'", &[]).await.unwrap().get(0);
    assert_eq!(max, 12);
    let l = env.store.layer(&LayerId::new("pts").unwrap()).await.unwrap().unwrap();
    assert_eq!(l.feature_count, 12);
    // Rows added to a table an earlier transaction made cannot be written frozen.
    assert!(unfrozen_pages(&env, "f_pts").await > 0, "the appended rows are ordinary");

    let before = env.fingerprint().await;
    let mut o = IngestOptions::new(fixture("zones.geojson"), LayerId::new("pts").unwrap());
    o.mode = LoadMode::Append;
    let err = env.ingest(o).await.unwrap_err();
    assert_eq!(env.fingerprint().await, before);
    let text = err.to_string();
    assert!(matches!(err, IngestError::Refused(_) | IngestError::Incompatible(_)), "{text}");
    assert!(text.contains("polygon") && text.contains("point"), "{text}");
}

#[tokio::test]
async fn an_append_that_makes_its_layer_writes_frozen_rows() {
    let env = Env::new().await;
    let mut o = IngestOptions::new(fixture("places.geojsonl"), LayerId::new("fresh").unwrap());
    o.mode = LoadMode::Append;
    let r = env.ingest(o).await.unwrap();
    assert_eq!((r.revision, r.features.loaded), (Some(1), 6));
    assert_eq!(env.count("fresh").await, 6);
    assert_eq!(unfrozen_pages(&env, "f_fresh").await, 0, "its partition was made by the load's transaction");
}

#[tokio::test]
async fn a_refusal_late_in_the_file_leaves_the_layer_as_it_was() {
    let env = Env::new().await;
    env.ingest_file(&fixture("places.geojson"), "late").await.unwrap();
    let before = env.fingerprint().await;
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(r#"{"type":"FeatureCollection","features":["#);
    for i in 0..5000 {
        text.push_str(&format!(
            r#"{{"type":"Feature","properties":{{"i":{i}}},"geometry":{{"type":"Point","coordinates":[{},{}]}}}},"#,
            100.0 + f64::from(i) / 1e4,
            10.0
        ));
    }
    text.push_str(r#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[100,95]}}]}"#);
    let p = dir.path().join("late.geojson");
    std::fs::write(&p, text).unwrap();
    let err = env.ingest_file(&p, "late").await.unwrap_err();
    let IngestError::Refused(report) = &err else { panic!("{err}") };
    assert_eq!(report.issues[0].feature, 5001);
    assert_eq!(env.fingerprint().await, before, "4999 good rows were copied, then all rolled back");
    assert_eq!(env.count("late").await, 6);
}
