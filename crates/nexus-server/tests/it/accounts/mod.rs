//! Accounts, roles and the audit trail over HTTP: sessions and their cookie, CSRF, throttled
//! sign-ins, personal tokens, the role × action table, and an audit row for every write.

mod audit;
mod drafts;
mod people;
mod roles;
mod sessions;
mod tokens;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nexus_core::{CityCollection, CitySlug, Role};
use nexus_service::accounts::{Actor, UserSpec};
use serde_json::Value;

use crate::support::TestApp;

/// A password the rules accept.
pub const PASSWORD: &str = "Mae Kha flows again 2026";

/// How a test request proves who it is.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    None,
    Bearer(&'a str),
    /// Session cookie, the CSRF token to echo (if any), and the Origin to send (if any).
    Cookie {
        session: &'a str,
        csrf: Option<&'a str>,
        origin: Option<&'a str>,
    },
}

/// A JSON request (`body` `Value::Null` for none).
pub fn req(method: &str, uri: &str, auth: Auth<'_>, body: &Value) -> Request<Body> {
    let mut r = Request::builder().method(method).uri(uri).header("host", "atlas.test");
    match auth {
        Auth::None => {}
        Auth::Bearer(t) => r = r.header("authorization", format!("Bearer {t}")),
        Auth::Cookie { session, csrf, origin } => {
            r = r.header("cookie", format!("other=1; nexus_session={session}"));
            if let Some(c) = csrf {
                r = r.header("x-csrf-token", c);
            }
            if let Some(o) = origin {
                r = r.header("origin", o);
            }
        }
    }
    if body.is_null() {
        r.body(Body::empty()).unwrap()
    } else {
        r.header("content-type", "application/json").body(Body::from(body.to_string())).unwrap()
    }
}

/// The cities of `data/cities.geojson`, which projects and roles refer to.
pub async fn with_cities(t: &TestApp) {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cities.geojson")).unwrap();
    t.store.upsert_cities(&CityCollection::from_geojson(&text).unwrap().0).await.unwrap();
}

/// Creates a user (by the command line's authority) with `PASSWORD` and roles.
pub async fn add_user(t: &TestApp, email: &str, site_admin: bool, roles: &[(&str, Role)]) {
    let spec = UserSpec {
        email: email.to_owned(),
        name: Some(email.split('@').next().unwrap().to_owned()),
        password: Some(PASSWORD.to_owned()),
        site_admin,
        roles: roles.iter().map(|(c, r)| (CitySlug::new(*c).unwrap(), *r)).collect(),
    };
    t.state.accounts.create_user(&Actor::cli(), &spec).await.unwrap();
}

/// A personal token of `email`.
pub async fn token_of(t: &TestApp, email: &str) -> String {
    t.state.accounts.create_token(&Actor::cli(), email, "tests", None).await.unwrap().1
}

/// Signs in; returns the session cookie's value and the CSRF token.
pub async fn sign_in(t: &TestApp, email: &str, password: &str) -> (StatusCode, Option<String>, Value) {
    let body = serde_json::json!({ "email": email, "password": password });
    let (status, headers, answer) = t.send(req("POST", "/api/session", Auth::None, &body)).await;
    let cookie = headers.get("set-cookie").map(|c| {
        let text = c.to_str().unwrap();
        text.split(';').next().unwrap().trim_start_matches("nexus_session=").to_owned()
    });
    (status, cookie, answer)
}

/// How many audit rows have `action`.
pub async fn audit_count(t: &TestApp, action: &str) -> i64 {
    let (client, conn) = tokio_postgres::connect(&t.db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.query_one("SELECT count(*) FROM audit WHERE action = $1", &[&action]).await.unwrap().get(0)
}
