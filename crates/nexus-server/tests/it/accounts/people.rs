//! City admins manage their city's members: adding someone without an account makes one with
//! that role only; nothing beyond their city or above their own reach.

use axum::http::StatusCode;
use nexus_core::Role;
use serde_json::{json, Value};

use super::{add_user, audit_count, req, sign_in, token_of, with_cities, Auth};
use crate::support::TestApp;

#[tokio::test]
async fn a_city_admin_adds_members_and_makes_accounts_only_within_their_city() {
    let t = TestApp::new().await;
    with_cities(&t).await;
    add_user(&t, "anong@cmcity.go.th", false, &[("chiang-mai", Role::Admin)]).await;
    let admin = token_of(&t, "anong@cmcity.go.th").await;
    let a = Auth::Bearer(&admin);
    let new = json!({ "role": "editor", "name": "Niran", "password": "Ping river at dawn 2026" });
    let (status, _, body) = t.send(req("PUT", "/api/cities/chiang-mai/members/niran@cmcity.go.th", a, &new)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["created"], true);
    let (status, _, me) = sign_in(&t, "niran@cmcity.go.th", "Ping river at dawn 2026").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["roles"], json!([{ "city": "chiang-mai", "role": "editor", "label": "Editor" }]));
    let (_, _, list) = t.send(req("GET", "/api/cities/chiang-mai/members", a, &Value::Null)).await;
    let emails: Vec<&str> = list["members"].as_array().unwrap().iter().map(|m| m["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["anong@cmcity.go.th", "niran@cmcity.go.th"]);

    // Not in another city, not a site admin, not a weak password.
    let (status, _, _) = t.send(req("PUT", "/api/cities/naga/members/x@naga.gov.ph", a, &new)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let root = json!({ "email": "root@x.org", "password": "Ping river at dawn 2026", "site_admin": true,
                       "roles": [{ "city": "chiang-mai", "role": "viewer" }] });
    assert_eq!(t.send(req("POST", "/api/users", a, &root)).await.0, StatusCode::FORBIDDEN);
    let weak = json!({ "role": "viewer", "password": "password1234" });
    let (status, _, body) = t.send(req("PUT", "/api/cities/chiang-mai/members/weak@cmcity.go.th", a, &weak)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["message"].as_str().unwrap().contains("most common passwords"), "{body}");
    assert_eq!(audit_count(&t, "user.create").await, 2, "the admin and Niran");

    let (status, _, _) =
        t.send(req("DELETE", "/api/cities/chiang-mai/members/niran@cmcity.go.th", a, &Value::Null)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, _, list) = t.send(req("GET", "/api/cities/chiang-mai/members", a, &Value::Null)).await;
    assert_eq!(list["members"].as_array().unwrap().len(), 1);
    assert_eq!(audit_count(&t, "member.remove").await, 1);
    let (_, _, me) = sign_in(&t, "niran@cmcity.go.th", "Ping river at dawn 2026").await;
    assert_eq!(me["user"]["roles"], json!([]), "still an account, no longer a member");
}
