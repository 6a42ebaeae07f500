//! The role × action table: every role of Chiang Mai (and the anonymous public, and a site
//! admin) tries every write and draft read there and in Naga; the answers must be exactly the
//! table of the README's "Accounts and roles".

use axum::http::StatusCode;
use nexus_core::Role;
use serde_json::{json, Value};

use super::{add_user, req, token_of, with_cities, Auth};
use crate::support::{fixture, multipart, Part, TestApp, PLANNER_TOKEN};

const WHO: [&str; 6] = ["anonymous", "viewer", "editor", "publisher", "city admin", "site admin"];

fn project(slug: Option<&str>, city: &str, visibility: &str) -> Value {
    let mut props = json!({ "city": city, "title": "Transfer station", "sectors": ["waste"], "status": "idea",
                            "visibility": visibility });
    if let Some(s) = slug {
        props["slug"] = json!(s);
    }
    json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [98.99, 18.79] }, "properties": props })
}

/// Sets a project up by the legacy token (a site admin).
async fn seed(t: &TestApp, slug: &str, city: &str, visibility: &str) {
    let (status, _, body) =
        t.send(req("POST", "/api/projects", Auth::Bearer(PLANNER_TOKEN), &project(Some(slug), city, visibility))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn upload(t: &TestApp, token: Option<&str>, layer: &str, city: &str, visibility: &str) -> StatusCode {
    let parts = [
        Part::Text("city", city),
        Part::Text("kind", "place"),
        Part::Text("visibility", visibility),
        Part::File("file", "places.geojson", fixture("places.geojson")),
    ];
    t.send(multipart(&format!("/api/layers/{layer}/data"), token, &parts)).await.0
}

/// How many projects with `slug` the caller finds in the items.
async fn sees(t: &TestApp, auth: Auth<'_>, slug: &str) -> u16 {
    let (status, _, page) =
        t.send(req("GET", &format!("/collections/projects/items?slug={slug}"), auth, &Value::Null)).await;
    assert_eq!(status, StatusCode::OK);
    u16::try_from(page["features"].as_array().unwrap().len()).unwrap()
}

/// The table, in the order [`tries`] answers: what each caller must get, as
/// anonymous, viewer, editor, publisher, city admin and site admin of Chiang Mai.
const TABLE: [(&str, [u16; 6]); 25] = [
    ("create a Chiang Mai draft", [401, 403, 201, 201, 201, 201]),
    ("create a Naga draft", [401, 403, 403, 403, 403, 201]),
    ("edit a Chiang Mai draft", [401, 403, 200, 200, 200, 200]),
    ("publish a Chiang Mai draft", [401, 403, 403, 200, 200, 200]),
    ("edit a public Chiang Mai project", [401, 403, 403, 200, 200, 200]),
    ("edit a public Naga project", [401, 403, 403, 403, 403, 200]),
    ("unpublish a Chiang Mai project", [401, 403, 403, 200, 200, 200]),
    ("see a Chiang Mai draft (count)", [0, 1, 1, 1, 1, 1]),
    ("see a Naga draft (count)", [0, 0, 0, 0, 0, 1]),
    ("upload a new Chiang Mai layer", [401, 403, 200, 200, 200, 200]),
    ("replace a public Chiang Mai layer", [401, 403, 403, 200, 200, 200]),
    ("upload a new Naga layer", [401, 403, 403, 403, 403, 200]),
    ("change the Nexus rules", [401, 403, 403, 403, 403, 200]),
    ("add a Chiang Mai member", [401, 403, 403, 403, 200, 200]),
    ("add a Naga member", [401, 403, 403, 403, 403, 200]),
    ("read Chiang Mai's audit trail", [401, 403, 403, 403, 200, 200]),
    ("read the whole audit trail", [401, 403, 403, 403, 403, 200]),
    ("make a token for oneself", [401, 201, 201, 201, 201, 201]),
    ("delete a Chiang Mai project", [401, 403, 403, 204, 204, 204]),
    ("delete a Naga project", [401, 403, 403, 403, 403, 204]),
    ("restore a Chiang Mai project", [401, 403, 403, 200, 200, 200]),
    ("read a Chiang Mai project's history", [404, 200, 200, 200, 200, 200]),
    ("read a Naga project's history", [404, 404, 404, 404, 404, 200]),
    ("delete a public Chiang Mai layer", [401, 403, 403, 204, 204, 204]),
    ("restore a Chiang Mai layer", [401, 403, 403, 200, 200, 200]),
];

/// Caller number `who` (with `token`, or none) tries each row of [`TABLE`], on things set up
/// for it alone where a try changes them.
async fn tries(t: &TestApp, who: usize, token: Option<&str>, rules: &Value) -> Vec<u16> {
    let auth = token.map_or(Auth::None, Auth::Bearer);
    let send = |method: &'static str, uri: String, body: Value| t.send(req(method, &uri, auth, &body));
    let member = json!({ "role": "viewer" });
    seed(t, &format!("cm-draft-{who}"), "chiang-mai", "draft").await;
    seed(t, &format!("cm-public-{who}"), "chiang-mai", "public").await;
    seed(t, &format!("cm-out-{who}"), "chiang-mai", "public").await;
    seed(t, &format!("cm-gone-{who}"), "chiang-mai", "public").await;
    seed(t, &format!("naga-gone-{who}"), "naga", "public").await;
    seed(t, &format!("cm-back-{who}"), "chiang-mai", "draft").await;
    for layer in [format!("cm-gone-{who}"), format!("cm-back-{who}"), format!("cm-back-{who}")] {
        assert_eq!(upload(t, Some(PLANNER_TOKEN), &layer, "chiang-mai", "public").await, StatusCode::OK);
    }
    vec![
        send("POST", "/api/projects".into(), project(None, "chiang-mai", "draft")).await.0.as_u16(),
        send("POST", "/api/projects".into(), project(None, "naga", "draft")).await.0.as_u16(),
        send("PUT", format!("/api/projects/cm-draft-{who}"), project(None, "chiang-mai", "draft")).await.0.as_u16(),
        send("PUT", format!("/api/projects/cm-draft-{who}"), project(None, "chiang-mai", "public")).await.0.as_u16(),
        send("PUT", format!("/api/projects/cm-public-{who}"), project(None, "chiang-mai", "public")).await.0.as_u16(),
        send("PUT", "/api/projects/naga-public".into(), project(None, "naga", "public")).await.0.as_u16(),
        send("PUT", format!("/api/projects/cm-out-{who}"), project(None, "chiang-mai", "draft")).await.0.as_u16(),
        sees(t, auth, "cm-draft-seen").await,
        sees(t, auth, "naga-draft-seen").await,
        upload(t, token, &format!("cm-new-{who}"), "chiang-mai", "draft").await.as_u16(),
        upload(t, token, "cm-public", "chiang-mai", "public").await.as_u16(),
        upload(t, token, &format!("naga-new-{who}"), "naga", "draft").await.as_u16(),
        send("PUT", "/api/nexus/rules".into(), rules.clone()).await.0.as_u16(),
        send("PUT", "/api/cities/chiang-mai/members/member@cmcity.go.th".into(), member.clone()).await.0.as_u16(),
        send("PUT", "/api/cities/naga/members/member@cmcity.go.th".into(), member).await.0.as_u16(),
        send("GET", "/api/audit?city=chiang-mai".into(), Value::Null).await.0.as_u16(),
        send("GET", "/api/audit".into(), Value::Null).await.0.as_u16(),
        send("POST", "/api/tokens".into(), json!({ "name": "mine" })).await.0.as_u16(),
        send("DELETE", format!("/api/projects/cm-gone-{who}"), Value::Null).await.0.as_u16(),
        send("DELETE", format!("/api/projects/naga-gone-{who}"), Value::Null).await.0.as_u16(),
        send("POST", format!("/api/projects/cm-back-{who}/restore"), json!({ "revision": 0 })).await.0.as_u16(),
        send("GET", "/api/projects/cm-draft-seen/history".into(), Value::Null).await.0.as_u16(),
        send("GET", "/api/projects/naga-public/history".into(), Value::Null).await.0.as_u16(),
        send("DELETE", format!("/api/layers/cm-gone-{who}"), Value::Null).await.0.as_u16(),
        send("POST", format!("/api/layers/cm-back-{who}/restore"), json!({ "revision": 1 })).await.0.as_u16(),
    ]
}

#[tokio::test]
async fn every_role_gets_exactly_what_the_table_says() {
    let t = TestApp::new().await;
    with_cities(&t).await;
    let mut tokens: Vec<Option<String>> = vec![None];
    for (i, role) in [Role::Viewer, Role::Editor, Role::Publisher, Role::Admin].iter().enumerate() {
        let email = format!("cm{i}@cmcity.go.th");
        add_user(&t, &email, false, &[("chiang-mai", *role)]).await;
        tokens.push(Some(token_of(&t, &email).await));
    }
    add_user(&t, "root@atlas.org", true, &[]).await;
    tokens.push(Some(token_of(&t, "root@atlas.org").await));
    add_user(&t, "member@cmcity.go.th", false, &[]).await;
    seed(&t, "cm-draft-seen", "chiang-mai", "draft").await;
    seed(&t, "naga-draft-seen", "naga", "draft").await;
    seed(&t, "naga-public", "naga", "public").await;
    assert_eq!(upload(&t, Some(PLANNER_TOKEN), "cm-public", "chiang-mai", "public").await, StatusCode::OK);
    let rules = t.get_json("/api/nexus/rules").await.1;

    let mut wrong = Vec::new();
    for (who, token) in tokens.iter().enumerate() {
        let got = tries(&t, who, token.as_deref(), &rules).await;
        for ((name, want), got) in TABLE.iter().zip(got) {
            if got != want[who] {
                wrong.push(format!("{name} as {}: got {got}, want {}", WHO[who], want[who]));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
