//! The audit trail: one row per write, with the actor and both revisions; append-only even
//! for the server's own database role.

use axum::http::StatusCode;
use nexus_core::Role;
use serde_json::{json, Value};

use super::{add_user, req, token_of, with_cities, Auth};
use crate::support::{fixture, multipart, Part, TestApp, PLANNER_TOKEN};

/// Every audit row, newest first.
async fn rows(t: &TestApp) -> Vec<Value> {
    let (status, _, body) =
        t.send(req("GET", "/api/audit?limit=1000", Auth::Bearer(PLANNER_TOKEN), &Value::Null)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["rows"].as_array().unwrap().clone()
}

/// Runs a write and returns the one audit row it left.
async fn one_row(t: &TestApp, what: &str, write: axum::http::Request<axum::body::Body>) -> Value {
    let before = rows(t).await.len();
    let (status, _, answer) = t.send(write).await;
    assert!(status.is_success(), "{what}: {status} {answer}");
    let after = rows(t).await;
    assert_eq!(after.len(), before + 1, "{what}: exactly one new row");
    after[0].clone()
}

#[tokio::test]
async fn every_write_leaves_one_row_with_the_actor_and_both_revisions() {
    let t = TestApp::new().await;
    with_cities(&t).await;
    add_user(&t, "pub@cmcity.go.th", false, &[("chiang-mai", Role::Admin)]).await;
    let token = token_of(&t, "pub@cmcity.go.th").await;
    let me = Auth::Bearer(&token);
    let feature = |title: &str, visibility: &str| {
        json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [98.99, 18.79] },
                "properties": { "slug": "cm-audit", "city": "chiang-mai", "title": title, "sectors": ["waste"],
                                "status": "idea", "visibility": visibility } })
    };
    let steps = [
        ("POST", "/api/projects", feature("First", "draft"), "project.create", None, Some(0)),
        ("PUT", "/api/projects/cm-audit", feature("Second", "draft"), "project.edit", Some(0), Some(1)),
        ("PUT", "/api/projects/cm-audit", feature("Second", "public"), "project.publish", Some(1), Some(2)),
        ("PUT", "/api/projects/cm-audit", feature("Second", "draft"), "project.unpublish", Some(2), Some(3)),
        ("DELETE", "/api/projects/cm-audit", Value::Null, "project.delete", Some(3), Some(4)),
        ("POST", "/api/projects/cm-audit/restore", json!({ "revision": 3 }), "project.restore", Some(4), Some(5)),
    ];
    for (method, uri, body, action, rev_before, rev_after) in steps {
        let row = one_row(&t, action, req(method, uri, me, &body)).await;
        assert_eq!(row["action"], action);
        assert_eq!(row["actor_name"], "pub");
        assert_eq!(row["via"], "token");
        assert_eq!(row["target_id"], "cm-audit");
        assert_eq!(row["city"], "chiang-mai");
        assert_eq!(
            (row["revision_before"].as_i64(), row["revision_after"].as_i64()),
            (rev_before, rev_after),
            "{action}"
        );
    }

    let upload = |layer: &str| {
        let parts = [Part::Text("city", "chiang-mai"), Part::File("file", "places.geojson", fixture("places.geojson"))];
        multipart(&format!("/api/layers/{layer}/data"), Some(&token), &parts)
    };
    let row = one_row(&t, "upload", upload("cm-places")).await;
    assert_eq!((row["action"].as_str(), row["target_id"].as_str()), (Some("layer.ingest"), Some("cm-places")));
    assert_eq!((row["revision_before"].as_i64(), row["revision_after"].as_i64()), (None, Some(1)));
    let row = one_row(&t, "replace", upload("cm-places")).await;
    assert_eq!((row["revision_before"].as_i64(), row["revision_after"].as_i64()), (Some(1), Some(2)));
    let restore = req("POST", "/api/layers/cm-places/restore", me, &json!({ "revision": 1 }));
    let row = one_row(&t, "layer restore", restore).await;
    assert_eq!(row["action"], "layer.restore");
    assert_eq!((row["revision_before"].as_i64(), row["revision_after"].as_i64()), (Some(2), Some(3)));
    let row = one_row(&t, "layer delete", req("DELETE", "/api/layers/cm-places", me, &Value::Null)).await;
    assert_eq!((row["action"].as_str(), row["actor_name"].as_str()), (Some("layer.delete"), Some("pub")));
    assert_eq!((row["revision_before"].as_i64(), row["revision_after"].as_i64()), (Some(3), Some(4)));

    let member = req("PUT", "/api/cities/chiang-mai/members/pub@cmcity.go.th", me, &json!({ "role": "publisher" }));
    let row = one_row(&t, "member", member).await;
    assert_eq!((row["action"].as_str(), row["summary"].as_str()), (Some("member.set"), Some("admin → publisher")));

    let rules = t.get_json("/api/nexus/rules").await.1;
    let row = one_row(&t, "rules", req("PUT", "/api/nexus/rules", Auth::Bearer(PLANNER_TOKEN), &rules)).await;
    assert_eq!(
        (row["action"].as_str(), row["actor_name"].as_str(), row["via"].as_str()),
        (Some("rules.replace"), Some("legacy token"), Some("legacy"))
    );

    let row = one_row(&t, "token", req("POST", "/api/tokens", me, &json!({ "name": "laptop" }))).await;
    assert_eq!(row["action"], "token.create");
    let row = one_row(&t, "refresh", req("POST", "/api/nexus/refresh", me, &Value::Null)).await;
    assert_eq!((row["action"].as_str(), row["actor_name"].as_str()), (Some("overlays.refresh"), Some("pub")));
}

#[tokio::test]
async fn the_trail_is_append_only_even_for_the_servers_own_database_role() {
    let t = TestApp::new().await;
    add_user(&t, "a@atlas.org", true, &[]).await;
    // The server connects as the store's role: the same URL the app's pool uses.
    let (client, conn) = tokio_postgres::connect(&t.db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let n: i64 = client.query_one("SELECT count(*) FROM audit", &[]).await.unwrap().get(0);
    assert_eq!(n, 1, "creating the user was audited");
    for sql in ["UPDATE audit SET summary = 'nothing happened'", "DELETE FROM audit", "TRUNCATE audit"] {
        let err = client.execute(sql, &[]).await.expect_err(sql);
        assert!(
            err.to_string().contains("append-only") || format!("{err:?}").contains("append-only"),
            "{sql}: {err:?}"
        );
    }
    let n: i64 = client.query_one("SELECT count(*) FROM audit", &[]).await.unwrap().get(0);
    assert_eq!(n, 1);
}
