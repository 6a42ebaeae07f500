//! A project's timeline: every revision with who and what changed; restoring an old revision
//! makes a new one equal to it, and what the public sees follows; history is for the city's
//! members, deleting and restoring for its publishers.

use axum::http::StatusCode;
use nexus_core::Role;
use serde_json::{json, Value};

use crate::accounts::{add_user, req, token_of, with_cities, Auth};
use crate::support::{fixture, multipart, Part, TestApp};

fn feature(title: &str, visibility: &str, lon: f64) -> Value {
    json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [lon, 18.79] },
            "properties": { "slug": "cm-timeline", "city": "chiang-mai", "title": title, "sectors": ["waste"],
                            "status": "idea", "visibility": visibility } })
}

async fn public_title(t: &TestApp) -> Option<String> {
    let (_, page) = t.get_json("/collections/projects/items?slug=cm-timeline").await;
    page["features"].as_array().unwrap().first().map(|f| f["properties"]["title"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_timeline_says_who_changed_what_and_a_restore_changes_what_the_public_sees() {
    let t = TestApp::new().await;
    with_cities(&t).await;
    add_user(&t, "editor@cm.org", false, &[("chiang-mai", Role::Editor)]).await;
    add_user(&t, "publisher@cm.org", false, &[("chiang-mai", Role::Publisher)]).await;
    add_user(&t, "viewer@naga.org", false, &[("naga", Role::Viewer)]).await;
    let (editor, publisher, outsider) = (
        token_of(&t, "editor@cm.org").await,
        token_of(&t, "publisher@cm.org").await,
        token_of(&t, "viewer@naga.org").await,
    );
    let (e, p) = (Auth::Bearer(&editor), Auth::Bearer(&publisher));
    assert_eq!(
        t.send(req("POST", "/api/projects", e, &feature("Transfer station", "draft", 98.99))).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        t.send(req("PUT", "/api/projects/cm-timeline", e, &feature("Sorting station", "draft", 98.991))).await.0,
        StatusCode::OK
    );
    assert_eq!(
        t.send(req("PUT", "/api/projects/cm-timeline", p, &feature("Sorting station", "public", 98.991))).await.0,
        StatusCode::OK
    );
    assert_eq!(public_title(&t).await.as_deref(), Some("Sorting station"));

    let (status, _, h) = t.send(req("GET", "/api/projects/cm-timeline/history", e, &Value::Null)).await;
    assert_eq!(status, StatusCode::OK, "{h}");
    let timeline: Vec<(i64, &str, Vec<&str>)> = h["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let changed = r["changed"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
            (r["revision"].as_i64().unwrap(), r["actor_name"].as_str().unwrap(), changed)
        })
        .collect();
    assert_eq!(
        timeline,
        [(0, "editor", vec![]), (1, "editor", vec!["title", "geometry"]), (2, "publisher", vec!["visibility"])]
    );
    let (_, _, old) = t.send(req("GET", "/api/projects/cm-timeline/history/0", e, &Value::Null)).await;
    assert_eq!(old["properties"]["title"], "Transfer station");

    // History holds drafts' content: the public and other cities' members find nothing.
    assert_eq!(t.get_json("/api/projects/cm-timeline/history").await.0, StatusCode::NOT_FOUND);
    let (status, _, _) =
        t.send(req("GET", "/api/projects/cm-timeline/history", Auth::Bearer(&outsider), &Value::Null)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Editors do not restore or delete; publishers do.
    let back = json!({ "revision": 0 });
    assert_eq!(t.send(req("POST", "/api/projects/cm-timeline/restore", e, &back)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(t.send(req("DELETE", "/api/projects/cm-timeline", e, &Value::Null)).await.0, StatusCode::FORBIDDEN);
    let (status, _, body) = t.send(req("POST", "/api/projects/cm-timeline/restore", p, &back)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["revision_before"].as_i64(), body["revision"].as_i64()), (Some(2), Some(3)));
    assert_eq!(public_title(&t).await, None, "revision 0 was a draft: the public no longer sees it");
    let (_, _, h) = t.send(req("GET", "/api/projects/cm-timeline/history", p, &Value::Null)).await;
    assert_eq!(h["revisions"][3]["changed"], json!(["title", "visibility", "geometry"]));
    assert_eq!(h["revisions"][3]["actor_name"], "publisher");
    let (_, _, audit) = t
        .send(req(
            "GET",
            "/api/audit?action=project.restore",
            Auth::Bearer(crate::support::PLANNER_TOKEN),
            &Value::Null,
        ))
        .await;
    assert_eq!(audit["rows"][0]["summary"], "restored revision 0");
    assert_eq!(
        (audit["rows"][0]["revision_before"].as_i64(), audit["rows"][0]["revision_after"].as_i64()),
        (Some(2), Some(3))
    );
}

#[tokio::test]
async fn a_deleted_projects_slug_or_layers_id_is_not_reused_until_restored_or_purged() {
    let t = TestApp::new().await;
    with_cities(&t).await;
    add_user(&t, "pub@cm.org", false, &[("chiang-mai", Role::Publisher)]).await;
    add_user(&t, "editor@naga.org", false, &[("naga", Role::Editor)]).await;
    let (p, naga) = (token_of(&t, "pub@cm.org").await, token_of(&t, "editor@naga.org").await);
    let (p, n) = (Auth::Bearer(&p), Auth::Bearer(&naga));
    assert_eq!(
        t.send(req("POST", "/api/projects", p, &feature("Secret dam", "draft", 98.99))).await.0,
        StatusCode::CREATED
    );
    assert_eq!(t.send(req("DELETE", "/api/projects/cm-timeline", p, &Value::Null)).await.0, StatusCode::NO_CONTENT);

    // Someone of another city taking the slug would inherit the deleted draft's history.
    let mut theirs = feature("Naga dam", "draft", 123.19);
    theirs["properties"]["city"] = json!("naga");
    let (status, _, body) = t.send(req("POST", "/api/projects", n, &theirs)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("was deleted"), "{body}");
    assert_eq!(
        t.send(req("GET", "/api/projects/cm-timeline/history/0", n, &Value::Null)).await.0,
        StatusCode::NOT_FOUND
    );
    // A slug made from a title steps past it.
    let mut untitled = feature("Timeline", "draft", 98.99);
    untitled["properties"].as_object_mut().unwrap().remove("slug");
    let (status, _, body) = t.send(req("POST", "/api/projects", p, &untitled)).await;
    assert_eq!((status, body["slug"].as_str()), (StatusCode::CREATED, Some("chiang-mai-timeline")));
    let (_, _, trash) = t.send(req("GET", "/api/trash", p, &Value::Null)).await;
    assert_eq!(trash["projects"][0]["slug"], "cm-timeline", "still restorable by Chiang Mai");

    let places = |city: &'static str| {
        let parts = [Part::Text("city", city), Part::File("file", "places.geojson", fixture("places.geojson"))];
        multipart("/api/layers/cm-wells/data", Some(crate::support::PLANNER_TOKEN), &parts)
    };
    assert_eq!(t.send(places("chiang-mai")).await.0, StatusCode::OK);
    assert_eq!(t.send(req("DELETE", "/api/layers/cm-wells", p, &Value::Null)).await.0, StatusCode::NO_CONTENT);
    let (status, _, body) = t.send(places("naga")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("restore it"), "{body}");
}
