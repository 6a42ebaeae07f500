//! Personal API tokens: shown once, act with their owner's roles, and stop at revocation or
//! expiry with a 401 that says which.

use axum::http::StatusCode;
use nexus_core::Role;
use serde_json::{json, Value};

use super::{add_user, audit_count, req, sign_in, with_cities, Auth, PASSWORD};
use crate::support::TestApp;

#[tokio::test]
async fn tokens_act_as_their_owner_until_revoked_or_expired() {
    let t = TestApp::new().await;
    with_cities(&t).await;
    add_user(&t, "gis@cmcity.go.th", false, &[("chiang-mai", Role::Editor)]).await;
    let (_, session, answer) = sign_in(&t, "gis@cmcity.go.th", PASSWORD).await;
    let (session, csrf) = (session.unwrap(), answer["csrf"].as_str().unwrap().to_owned());
    let me = Auth::Cookie { session: &session, csrf: Some(&csrf), origin: Some("http://atlas.test") };

    let (status, _, made) =
        t.send(req("POST", "/api/tokens", me, &json!({ "name": "QGIS", "expires_days": 30 }))).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let token = made["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("nexus_"));
    let (_, _, list) = t.send(req("GET", "/api/tokens", me, &Value::Null)).await;
    assert_eq!(list["tokens"][0]["name"], "QGIS");
    assert!(!list.to_string().contains(&token), "the secret is never listed");

    let (_, _, who) = t.send(req("GET", "/api/session", Auth::Bearer(&token), &Value::Null)).await;
    assert_eq!(who["user"]["email"], "gis@cmcity.go.th");
    assert_eq!(who["via"], "token");
    let project = json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [98.99, 18.79] },
                          "properties": { "city": "chiang-mai", "title": "Biogas pilot", "sectors": ["energy"], "status": "idea" } });
    let (status, _, body) = t.send(req("POST", "/api/projects", Auth::Bearer(&token), &project)).await;
    assert_eq!(status, StatusCode::CREATED, "a token needs no CSRF header: {body}");

    let id = made["id"].as_i64().unwrap();
    let (status, _, _) = t.send(req("DELETE", &format!("/api/tokens/{id}"), me, &Value::Null)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, body) = t.send(req("GET", "/collections", Auth::Bearer(&token), &Value::Null)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["message"], "the token was revoked");

    // An expired token says so.
    let old = super::token_of(&t, "gis@cmcity.go.th").await;
    let (client, conn) = tokio_postgres::connect(&t.db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client
        .execute("UPDATE api_tokens SET expires_at = now() - interval '1 day' WHERE revoked_at IS NULL", &[])
        .await
        .unwrap();
    t.state.accounts.forget();
    let (status, _, body) = t.send(req("GET", "/api/layers", Auth::Bearer(&old), &Value::Null)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["message"], "the token has expired");
    assert_eq!(audit_count(&t, "token.rejected").await, 2);
    assert_eq!(audit_count(&t, "token.create").await, 2);
    assert_eq!(audit_count(&t, "token.revoke").await, 1);
}

#[tokio::test]
async fn wrong_tokens_are_throttled_per_client_address() {
    let t = TestApp::new().await;
    let from = |n: u8| {
        let mut r = req("GET", "/api/layers", Auth::Bearer("nexus_guess"), &Value::Null);
        r.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(([203, 0, 113, n], 5000))));
        r
    };
    let mut statuses = Vec::new();
    for _ in 0..22 {
        statuses.push(t.send(from(7)).await.0.as_u16());
    }
    assert_eq!(statuses[..20], [401; 20], "{statuses:?}");
    assert_eq!(statuses[20..], [429; 2], "{statuses:?}");
    assert_eq!(t.send(from(8)).await.0, StatusCode::UNAUTHORIZED, "another address is not slowed down");
    assert_eq!(audit_count(&t, "token.throttled").await, 2);
}
