//! Least privilege (issue 14, finding 8): requests run as a role that may only read and write
//! rows; the schema's owner runs the migrations and every schema change. The whole flow still
//! works — uploads (new partitions), tiles and items of them, project saves, a layer's delete
//! and restore, the Nexus refresh — while the application role cannot change the schema,
//! truncate, or rewrite the audit trail.

use axum::http::StatusCode;
use serde_json::json;
use tokio_postgres::error::SqlState;

use crate::support::{fixture, multipart, Part, TestApp, PLANNER_TOKEN};

async fn as_role(url: &str) -> tokio_postgres::Client {
    let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    c
}

#[tokio::test]
async fn requests_run_as_a_role_that_may_only_read_and_write_rows() {
    let db = nexus_store::testing::TestDb::new().await.unwrap();
    let (owner, app) = db.least_privilege().await.unwrap();
    let t = TestApp::on_db(db, |s| {
        s.url = owner.clone();
        s.app_url = Some(app.clone());
    })
    .await;
    let (role, superuser) = t.store.runs_as().await.unwrap();
    assert!(role.ends_with("_app") && !superuser, "{role} {superuser}");

    // The flows that make partitions and tables run as the owner and still work.
    let parts = [Part::Text("visibility", "public"), Part::File("file", "places.geojson", fixture("places.geojson"))];
    let (status, _, report) = t.send(multipart("/api/layers/places/data", Some(PLANNER_TOKEN), &parts)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    t.await_revision("places", 1).await;
    let (status, items) = t.get_json("/collections/places/items").await;
    assert_eq!((status, items["numberMatched"].as_i64()), (StatusCode::OK, Some(6)));
    assert_eq!(t.get("/tiles/places/0/0/0.mvt").await.0, StatusCode::OK);
    let refresh = t.store.refresh_nexus().await;
    assert!(refresh.is_ok(), "{refresh:?}");
    let (status, _, body) = t
        .send(
            axum::http::Request::delete("/api/layers/places")
                .header("authorization", format!("Bearer {PLANNER_TOKEN}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let mut gone = false;
    for _ in 0..200 {
        if t.get("/tiles/places.json").await.0 == StatusCode::NOT_FOUND {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(gone, "the deleted layer left the tiles");
    // Its kept data is history: readable, never writable, by the application role.
    let app_sql = as_role(&app).await;
    let kept: String = app_sql
        .query_one("SELECT data_table FROM layer_revisions WHERE layer_id = 'places' AND data_table IS NOT NULL", &[])
        .await
        .unwrap()
        .get(0);
    app_sql
        .query_one(&format!("SELECT count(*) FROM nexus_history.\"{kept}\""), &[])
        .await
        .expect("history is readable");
    let err = app_sql
        .batch_execute(&format!("UPDATE nexus_history.\"{kept}\" SET properties = '{{}}'"))
        .await
        .expect_err("kept data rewritten");
    assert_eq!(err.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{err}");
    let restore = json!({ "revision": 1 });
    let (status, _, body) = t
        .send(
            axum::http::Request::post("/api/layers/places/restore")
                .header("authorization", format!("Bearer {PLANNER_TOKEN}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(restore.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    t.await_revision("places", 2).await;
    assert_eq!(t.get_json("/collections/places/items").await.1["numberMatched"], 6, "restored");

    // The application role itself may change rows only.
    let c = as_role(&app).await;
    for statement in [
        "DROP TABLE projects",
        "CREATE TABLE intruder (a int)",
        "ALTER TABLE layers ADD COLUMN intruder int",
        "TRUNCATE audit",
        "UPDATE audit SET summary = 'rewritten'",
        "DELETE FROM audit",
        "UPDATE feature_edits SET actor_name = 'someone else'",
        "DELETE FROM feature_edits",
        "DROP TABLE f_places",
        "CREATE ROLE intruder",
    ] {
        let err = c.batch_execute(statement).await.expect_err(statement);
        assert_eq!(err.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{statement}: {err}");
    }
    c.batch_execute(
        "INSERT INTO audit (actor_name, via, action, target_type) VALUES ('test', 'cli', 'test.row', 'test')",
    )
    .await
    .expect("the audit trail takes new rows");
    let owned: String = as_role(&owner)
        .await
        .query_one("SELECT tableowner::text FROM pg_tables WHERE tablename = 'f_places'", &[])
        .await
        .unwrap()
        .get(0);
    assert!(owned.ends_with("_owner"), "{owned}");
}
