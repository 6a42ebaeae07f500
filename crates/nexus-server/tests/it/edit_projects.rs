//! OGC API - Features Part 4 on the `projects` collection: created, replaced with what a
//! client read (server-set properties included), patched, refused when stale, by anonymous
//! callers or another city's editor, and deleted — each as `/api/projects` would, with its
//! audit row.

use axum::http::StatusCode;
use nexus_core::Role;
use serde_json::{json, Value};

use crate::accounts::{add_user, audit_count, req, token_of, with_cities, Auth};
use crate::support::{TestApp, PLANNER_TOKEN};

const ADMIN: Auth<'static> = Auth::Bearer(PLANNER_TOKEN);

fn etag(h: &axum::http::HeaderMap) -> String {
    h.get("etag").expect("an ETag").to_str().unwrap().to_owned()
}

fn if_match(mut r: axum::http::Request<axum::body::Body>, etag: &str) -> axum::http::Request<axum::body::Body> {
    r.headers_mut().insert("if-match", etag.parse().unwrap());
    r
}

#[tokio::test]
async fn projects_are_created_replaced_patched_and_deleted_through_part_4() {
    let t = TestApp::new().await;
    with_cities(&t).await;
    let new = json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [98.99, 18.79] },
                      "properties": { "city": "chiang-mai", "title": "Biogas at the market", "sectors": ["energy", "waste"],
                                      "status": "idea" } });
    assert_eq!(t.send(req("POST", "/collections/projects/items", Auth::None, &new)).await.0, StatusCode::UNAUTHORIZED);
    add_user(&t, "naga@atlas.test", false, &[("naga", Role::Editor)]).await;
    let naga = token_of(&t, "naga@atlas.test").await;
    let (s, _, _) = t.send(req("POST", "/collections/projects/items", Auth::Bearer(&naga), &new)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "another city's editor");

    let (s, h, created) = t.send(req("POST", "/collections/projects/items", ADMIN, &new)).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let item = format!("/collections/projects/items/{id}");
    assert!(h["location"].to_str().unwrap().ends_with(&item), "{:?}", h["location"]);
    assert_eq!(created["properties"]["slug"], "chiang-mai-biogas-at-the-market");
    assert_eq!(created["properties"]["visibility"], "draft", "a new project is a draft");
    let v1 = etag(&h);
    let (_, read, _) = t.send(req("GET", &item, ADMIN, &Value::Null)).await;
    assert_eq!(etag(&read), v1, "a read carries the version a write sends back");
    assert_eq!(t.get(&item).await.0, StatusCode::NOT_FOUND, "a draft is not public");

    // A client sends back what it read, server-set properties and all.
    let mut edited = created.clone();
    edited["properties"]["title"] = json!("Biogas at Muang Mai market");
    let (s, h, replaced) = t.send(if_match(req("PUT", &item, ADMIN, &edited), &v1)).await;
    assert_eq!(s, StatusCode::OK, "{replaced}");
    let v2 = etag(&h);
    assert_ne!(v1, v2);
    assert_eq!(replaced["properties"]["title"], "Biogas at Muang Mai market");
    let mut lost = created.clone();
    lost["properties"]["title"] = json!("A lost update");
    let (s, _, _) = t.send(if_match(req("PUT", &item, ADMIN, &lost), &v1)).await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED);

    let (s, h, patched) =
        t.send(req("PATCH", &item, ADMIN, &json!({ "properties": { "status": "planned", "budget": null } }))).await;
    assert_eq!(s, StatusCode::OK, "{patched}");
    assert_eq!(patched["properties"]["status"], "planned");
    assert_eq!(patched["properties"]["title"], "Biogas at Muang Mai market", "the rest as it was");
    let v3 = etag(&h);

    let (s, h, _) = t.send(req("OPTIONS", "/collections/projects/items", ADMIN, &Value::Null)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert!(h["allow"].to_str().unwrap().contains("POST"));
    let (_, h, _) = t.send(req("OPTIONS", "/collections/projects/items", Auth::None, &Value::Null)).await;
    assert!(!h["allow"].to_str().unwrap().contains("POST"), "nothing to write for the public");

    let (s, _, _) = t.send(if_match(req("DELETE", &item, ADMIN, &Value::Null), &v2)).await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED, "a delete from an old version");
    let (s, _, _) = t.send(if_match(req("DELETE", &item, ADMIN, &Value::Null), &v3)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(t.send(req("GET", &item, ADMIN, &Value::Null)).await.0, StatusCode::NOT_FOUND);
    for action in ["project.create", "project.edit", "project.delete"] {
        assert!(audit_count(&t, action).await >= 1, "{action}");
    }
}
