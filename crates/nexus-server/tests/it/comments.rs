//! The public's voice: anyone comments on a published project, nothing shows until a
//! publisher of the city approves it, and every step leaves an audit row.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nexus_core::Role;
use serde_json::{json, Value};

use crate::accounts::{add_user, audit_count, req, token_of, with_cities, Auth};
use crate::support::{via_proxy, TestApp, PLANNER_TOKEN};

const SLUG: &str = "cm-canal-comments";

/// An app with Chiang Mai's cities and one published project, `SLUG`, and a draft one.
async fn atlas() -> TestApp {
    let t = TestApp::new().await;
    with_cities(&t).await;
    for (slug, visibility) in [(SLUG, "public"), ("cm-draft-comments", "draft")] {
        let p = json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [98.99, 18.79] },
            "properties": { "slug": slug, "city": "chiang-mai", "title": "Canal works", "sectors": ["water"],
                            "status": "planned", "visibility": visibility } });
        let (status, _, body) = t.send(req("POST", "/api/projects", Auth::Bearer(PLANNER_TOKEN), &p)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    t
}

/// A comment sent by `address` through the trusted proxy.
fn from(address: &str, slug: &str, body: &Value) -> Request<Body> {
    let mut r = via_proxy(req("POST", &format!("/api/projects/{slug}/comments"), Auth::None, body));
    r.headers_mut().insert("x-forwarded-for", address.parse().unwrap());
    r
}

async fn post(t: &TestApp, address: &str, body: &Value) -> (StatusCode, Value) {
    let (status, _, answer) = t.send(from(address, SLUG, body)).await;
    (status, answer)
}

async fn shown(t: &TestApp, auth: Auth<'_>, query: &str) -> (StatusCode, Value) {
    let (status, _, answer) =
        t.send(req("GET", &format!("/api/projects/{SLUG}/comments{query}"), auth, &Value::Null)).await;
    (status, answer)
}

fn texts(answer: &Value) -> Vec<String> {
    answer["comments"].as_array().unwrap().iter().map(|c| c["text"].as_str().unwrap().to_owned()).collect()
}

async fn moderate(t: &TestApp, auth: Auth<'_>, id: &Value, step: &str, body: &Value) -> (StatusCode, Value) {
    let (status, _, answer) = t.send(req("POST", &format!("/api/comments/{id}/{step}"), auth, body)).await;
    (status, answer)
}

#[tokio::test]
async fn a_comment_shows_only_once_a_publisher_of_the_city_approves_it() {
    let t = atlas().await;
    let (status, a) = post(&t, "198.51.100.1", &json!({ "text": "Please keep the trees.", "stance": "support" })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{a}");
    assert_eq!(a["status"], "pending");
    let (_, b) = post(
        &t,
        "198.51.100.2",
        &json!({ "text": "Flooding worries me.", "stance": "concern",
        "name": "Noi", "point": { "type": "Point", "coordinates": [98.995, 18.78] } }),
    )
    .await;
    let (_, c) = post(&t, "198.51.100.3", &json!({ "text": "Buy my pills" })).await;

    let (status, public) = shown(&t, Auth::None, "").await;
    assert_eq!(status, StatusCode::OK, "{public}");
    assert!(texts(&public).is_empty(), "nothing shows before moderation: {public}");
    assert_eq!(public["tally"], json!({ "comments": 0, "support": 0, "concern": 0 }));
    let (status, _) = shown(&t, Auth::None, "?status=pending").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the public never reads the queue");

    add_user(&t, "pub@cm.test", false, &[("chiang-mai", Role::Publisher)]).await;
    add_user(&t, "editor@cm.test", false, &[("chiang-mai", Role::Editor)]).await;
    add_user(&t, "pub@naga.test", false, &[("naga", Role::Publisher)]).await;
    let (publisher, editor, elsewhere) =
        (token_of(&t, "pub@cm.test").await, token_of(&t, "editor@cm.test").await, token_of(&t, "pub@naga.test").await);
    let (_, queue) = shown(&t, Auth::Bearer(&publisher), "?status=pending").await;
    assert_eq!(texts(&queue).len(), 3, "{queue}");
    assert_eq!(queue["moderator"], true);

    for who in [&editor, &elsewhere] {
        let (status, _) = moderate(&t, Auth::Bearer(who), &a["id"], "approve", &Value::Null).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "only the city's publishers moderate");
    }
    for (id, step) in [(&a["id"], "approve"), (&b["id"], "approve"), (&c["id"], "reject")] {
        let (status, answer) = moderate(&t, Auth::Bearer(&publisher), id, step, &Value::Null).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
    let (status, _) = moderate(
        &t,
        Auth::Bearer(&publisher),
        &b["id"],
        "reply",
        &json!({ "text": "The plan adds a retention pond." }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let (_, public) = shown(&t, Auth::None, "").await;
    assert_eq!(texts(&public), ["Please keep the trees.", "Flooding worries me."], "rejected stays invisible");
    assert_eq!(public["tally"], json!({ "comments": 2, "support": 1, "concern": 1 }));
    assert_eq!(public["comments"][1]["reply"], "The plan adds a retention pond.");
    assert_eq!(public["comments"][1]["name"], "Noi");
    assert_eq!(public["comments"][1]["point"]["coordinates"], json!([98.995, 18.78]));
    assert!(public["comments"][0].get("client").is_none(), "addresses are never shown");
    assert_eq!(public["moderator"], false);

    for (action, n) in [("comment.create", 3), ("comment.approve", 2), ("comment.reject", 1), ("comment.reply", 1)] {
        assert_eq!(audit_count(&t, action).await, n, "{action}");
    }
    let (status, _) = moderate(&t, Auth::Bearer(&publisher), &json!(999_999), "approve", &Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn comments_go_only_to_published_projects() {
    let t = atlas().await;
    for slug in ["cm-draft-comments", "no-such-project"] {
        let (status, _, answer) = t.send(from("198.51.100.9", slug, &json!({ "text": "hello" }))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{slug}: {answer}");
    }
    assert_eq!(audit_count(&t, "comment.create").await, 0);
}

#[tokio::test]
async fn twenty_comments_from_one_address_in_a_minute_are_refused() {
    let t = atlas().await;
    let mut answers = Vec::new();
    for i in 0..20 {
        let (status, _, answer) = t.send(from("203.0.113.7", SLUG, &json!({ "text": format!("comment {i}") }))).await;
        answers.push((status, answer));
    }
    let accepted = answers.iter().filter(|(s, _)| *s == StatusCode::ACCEPTED).count();
    assert_eq!(accepted, 5, "the first five of the minute are taken");
    let (status, refusal) = &answers[19];
    assert_eq!(*status, StatusCode::TOO_MANY_REQUESTS, "{refusal}");
    assert!(refusal["error"]["message"].as_str().unwrap().contains("try again in"), "{refusal}");
    let (status, headers, _) = t.send(from("203.0.113.7", SLUG, &json!({ "text": "again" }))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let (status, _) = post(&t, "203.0.113.8", &json!({ "text": "another address" })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "the limit is per address");
    assert_eq!(audit_count(&t, "comment.create").await, 6);
}

#[tokio::test]
async fn robots_markup_and_link_lists_are_handled() {
    let t = atlas().await;
    let (status, answer) = post(&t, "198.51.100.20", &json!({ "text": "hi", "website": "http://spam.example" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "the honeypot refuses: {answer}");
    let links = "http://a.example http://b.example http://c.example";
    let (status, answer) = post(&t, "198.51.100.21", &json!({ "text": links })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer["error"]["message"].as_str().unwrap().contains("3 web addresses"), "{answer}");
    let (status, answer) = post(&t, "198.51.100.22", &json!({ "text": "x".repeat(2001) })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(audit_count(&t, "comment.create").await, 0, "nothing refused was stored");

    let script = "<script>alert('x')</script> & <b>bold</b>";
    let (_, a) = post(&t, "198.51.100.23", &json!({ "text": script })).await;
    moderate(&t, Auth::Bearer(PLANNER_TOKEN), &a["id"], "approve", &Value::Null).await;
    let (_, public) = shown(&t, Auth::None, "").await;
    assert_eq!(texts(&public), [script], "stored and served as the characters written");
}

async fn csv(t: &TestApp, uri: &str, auth: Auth<'_>) -> (StatusCode, Vec<Vec<String>>) {
    let (status, headers, body) = {
        let res = t.app.clone();
        let r = tower::ServiceExt::oneshot(res, req("GET", uri, auth, &Value::Null)).await.unwrap();
        let (parts, body) = r.into_parts();
        (parts.status, parts.headers, http_body_util::BodyExt::collect(body).await.unwrap().to_bytes())
    };
    if status != StatusCode::OK {
        return (status, Vec::new());
    }
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = String::from_utf8(body.to_vec()).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark for spreadsheets");
    (status, text.lines().map(|l| l.split(',').map(str::to_owned).collect()).collect())
}

#[tokio::test]
async fn the_csv_export_holds_the_approved_comments() {
    let t = atlas().await;
    let bodies = [
        json!({ "text": "yes", "stance": "support" }),
        json!({ "text": "yes too", "stance": "support" }),
        json!({ "text": "worried", "stance": "concern" }),
        json!({ "text": "=1+1" }),
        json!({ "text": "not approved" }),
    ];
    let mut ids = Vec::new();
    for (i, b) in bodies.iter().enumerate() {
        let (status, a) = post(&t, &format!("198.51.100.{}", 40 + i), b).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        ids.push(a["id"].clone());
    }
    for id in &ids[..4] {
        moderate(&t, Auth::Bearer(PLANNER_TOKEN), id, "approve", &Value::Null).await;
    }
    for uri in [format!("/api/projects/{SLUG}/comments.csv"), "/api/cities/chiang-mai/comments.csv".to_owned()] {
        let (status, rows) = csv(&t, &uri, Auth::None).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(rows[0][..7], ["id", "project", "project_title", "created_at", "name", "stance", "text"]);
        let body = &rows[1..];
        assert_eq!(body.len(), 4, "{uri}: the four approved, not the pending one");
        let stance = |s: &str| body.iter().filter(|r| r[5] == s).count();
        assert_eq!((stance("support"), stance("concern")), (2, 1), "{uri}");
        assert!(body.iter().all(|r| r[1] == SLUG && r[2] == "Canal works" && r[7] == "approved"));
        assert!(body.iter().any(|r| r[6] == "\"'=1+1\""), "a formula is written inert: {body:?}");
    }
    let (status, _) = csv(&t, "/api/cities/chiang-mai/comments.csv?status=all", Auth::None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, all) = csv(&t, "/api/cities/chiang-mai/comments.csv?status=all", Auth::Bearer(PLANNER_TOKEN)).await;
    assert_eq!(all.len(), 6, "moderators export every state");
    let (status, _) = csv(&t, "/api/cities/atlantis/comments.csv", Auth::None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Unpublished, the project's comments leave the public export with it.
    let p = json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [98.99, 18.79] },
        "properties": { "city": "chiang-mai", "title": "Canal works", "sectors": ["water"], "status": "planned",
                        "visibility": "draft" } });
    let (status, _, answer) =
        t.send(req("PUT", &format!("/api/projects/{SLUG}"), Auth::Bearer(PLANNER_TOKEN), &p)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (_, rows) = csv(&t, "/api/cities/chiang-mai/comments.csv", Auth::None).await;
    assert_eq!(rows.len(), 1, "only the header: {rows:?}");
    let (status, _) = shown(&t, Auth::None, "").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a draft's comments are not public");
}
