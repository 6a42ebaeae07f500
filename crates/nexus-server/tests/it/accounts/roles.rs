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

fn r(v: &mut Vec<u16>, s: StatusCode) {
    v.push(s.as_u16());
}

async fn upload(t: &TestApp, token: Option<&str>, layer: &str, visibility: &str) -> StatusCode {
    let parts = [
        Part::Text("city", "chiang-mai"),
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

#[tokio::test]
async fn every_role_gets_exactly_what_the_table_says() {
    let t = TestApp::new().await;
    with_cities(&t).await;
    let roles = [Role::Viewer, Role::Editor, Role::Publisher, Role::Admin];
    let mut tokens: Vec<Option<String>> = vec![None];
    for (i, role) in roles.iter().enumerate() {
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
    assert_eq!(upload(&t, Some(PLANNER_TOKEN), "cm-public", "public").await, StatusCode::OK);
    let rules = t.get_json("/api/nexus/rules").await.1;

    let mut table: Vec<(&str, Vec<u16>)> = Vec::new();
    let mut row = |name: &'static str, got: Vec<u16>| table.push((name, got));
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h]: [Vec<u16>; 8] = Default::default();
    let [mut i, mut j, mut k, mut l, mut m, mut n, mut o, mut p]: [Vec<u16>; 8] = Default::default();
    let [mut q, mut r2, mut s2, mut u, mut v, mut x]: [Vec<u16>; 6] = Default::default();
    for (who, token) in tokens.iter().enumerate() {
        let auth = token.as_deref().map_or(Auth::None, Auth::Bearer);
        let send = |method: &'static str, uri: String, body: Value| t.send(req(method, &uri, auth, &body));
        r(&mut a, send("POST", "/api/projects".into(), project(None, "chiang-mai", "draft")).await.0);
        r(&mut b, send("POST", "/api/projects".into(), project(None, "naga", "draft")).await.0);
        seed(&t, &format!("cm-draft-{who}"), "chiang-mai", "draft").await;
        r(&mut c, send("PUT", format!("/api/projects/cm-draft-{who}"), project(None, "chiang-mai", "draft")).await.0);
        r(&mut d, send("PUT", format!("/api/projects/cm-draft-{who}"), project(None, "chiang-mai", "public")).await.0);
        seed(&t, &format!("cm-public-{who}"), "chiang-mai", "public").await;
        r(&mut e, send("PUT", format!("/api/projects/cm-public-{who}"), project(None, "chiang-mai", "public")).await.0);
        r(&mut f, send("PUT", "/api/projects/naga-public".into(), project(None, "naga", "public")).await.0);
        g.push(sees(&t, auth, "cm-draft-seen").await);
        h.push(sees(&t, auth, "naga-draft-seen").await);
        r(&mut i, upload(&t, token.as_deref(), &format!("cm-new-{who}"), "draft").await);
        r(&mut j, upload(&t, token.as_deref(), "cm-public", "public").await);
        r(&mut k, send("PUT", "/api/nexus/rules".into(), rules.clone()).await.0);
        r(
            &mut l,
            send("PUT", "/api/cities/chiang-mai/members/member@cmcity.go.th".into(), json!({ "role": "viewer" }))
                .await
                .0,
        );
        r(
            &mut m,
            send("PUT", "/api/cities/naga/members/member@cmcity.go.th".into(), json!({ "role": "viewer" })).await.0,
        );
        r(&mut n, send("GET", "/api/audit?city=chiang-mai".into(), Value::Null).await.0);
        r(&mut o, send("GET", "/api/audit".into(), Value::Null).await.0);
        r(&mut p, send("POST", "/api/tokens".into(), json!({ "name": "mine" })).await.0);
        seed(&t, &format!("cm-gone-{who}"), "chiang-mai", "public").await;
        r(&mut q, send("DELETE", format!("/api/projects/cm-gone-{who}"), Value::Null).await.0);
        seed(&t, &format!("cm-back-{who}"), "chiang-mai", "draft").await;
        r(&mut r2, send("POST", format!("/api/projects/cm-back-{who}/restore"), json!({ "revision": 0 })).await.0);
        r(&mut s2, send("GET", "/api/projects/cm-draft-seen/history".into(), Value::Null).await.0);
        r(&mut u, send("GET", "/api/projects/naga-public/history".into(), Value::Null).await.0);
        assert_eq!(upload(&t, Some(PLANNER_TOKEN), &format!("cm-gone-{who}"), "public").await, StatusCode::OK);
        r(&mut v, send("DELETE", format!("/api/layers/cm-gone-{who}"), Value::Null).await.0);
        assert_eq!(upload(&t, Some(PLANNER_TOKEN), &format!("cm-back-{who}"), "public").await, StatusCode::OK);
        assert_eq!(upload(&t, Some(PLANNER_TOKEN), &format!("cm-back-{who}"), "public").await, StatusCode::OK);
        r(&mut x, send("POST", format!("/api/layers/cm-back-{who}/restore"), json!({ "revision": 1 })).await.0);
    }
    row("create a Chiang Mai draft", a);
    row("create a Naga draft", b);
    row("edit a Chiang Mai draft", c);
    row("publish a Chiang Mai draft", d);
    row("edit a public Chiang Mai project", e);
    row("edit a public Naga project", f);
    row("see a Chiang Mai draft (count)", g);
    row("see a Naga draft (count)", h);
    row("upload a new Chiang Mai layer", i);
    row("replace a public Chiang Mai layer", j);
    row("change the Nexus rules", k);
    row("add a Chiang Mai member", l);
    row("add a Naga member", m);
    row("read Chiang Mai's audit trail", n);
    row("read the whole audit trail", o);
    row("make a token for oneself", p);
    row("delete a Chiang Mai project", q);
    row("restore a Chiang Mai project", r2);
    row("read a Chiang Mai project's history", s2);
    row("read a Naga project's history", u);
    row("delete a public Chiang Mai layer", v);
    row("restore a Chiang Mai layer", x);

    //                 anonymous viewer editor publisher admin site
    let want: [(&str, [u16; 6]); 22] = [
        ("create a Chiang Mai draft", [401, 403, 201, 201, 201, 201]),
        ("create a Naga draft", [401, 403, 403, 403, 403, 201]),
        ("edit a Chiang Mai draft", [401, 403, 200, 200, 200, 200]),
        ("publish a Chiang Mai draft", [401, 403, 403, 200, 200, 200]),
        ("edit a public Chiang Mai project", [401, 403, 403, 200, 200, 200]),
        ("edit a public Naga project", [401, 403, 403, 403, 403, 200]),
        ("see a Chiang Mai draft (count)", [0, 1, 1, 1, 1, 1]),
        ("see a Naga draft (count)", [0, 0, 0, 0, 0, 1]),
        ("upload a new Chiang Mai layer", [401, 403, 200, 200, 200, 200]),
        ("replace a public Chiang Mai layer", [401, 403, 403, 200, 200, 200]),
        ("change the Nexus rules", [401, 403, 403, 403, 403, 200]),
        ("add a Chiang Mai member", [401, 403, 403, 403, 200, 200]),
        ("add a Naga member", [401, 403, 403, 403, 403, 200]),
        ("read Chiang Mai's audit trail", [401, 403, 403, 403, 200, 200]),
        ("read the whole audit trail", [401, 403, 403, 403, 403, 200]),
        ("make a token for oneself", [401, 201, 201, 201, 201, 201]),
        ("delete a Chiang Mai project", [401, 403, 403, 204, 204, 204]),
        ("restore a Chiang Mai project", [401, 403, 403, 200, 200, 200]),
        ("read a Chiang Mai project's history", [404, 200, 200, 200, 200, 200]),
        ("read a Naga project's history", [404, 404, 404, 404, 404, 200]),
        ("delete a public Chiang Mai layer", [401, 403, 403, 204, 204, 204]),
        ("restore a Chiang Mai layer", [401, 403, 403, 200, 200, 200]),
    ];
    let mut wrong = Vec::new();
    for ((name, got), (wname, want)) in table.iter().zip(want) {
        assert_eq!(name, &wname);
        for (idx, (g, w)) in got.iter().zip(want).enumerate() {
            if *g != w {
                wrong.push(format!("{name} as {}: got {g}, want {w}", WHO[idx]));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
