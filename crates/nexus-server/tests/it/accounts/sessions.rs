//! Sign-in sessions: the cookie's flags, a new id at every sign-in, sign-out, CSRF refusal of
//! cross-site writes, and throttled failures.

use axum::http::StatusCode;
use nexus_core::Role;
use serde_json::{json, Value};

use super::{add_user, audit_count, req, sign_in, with_cities, Auth, PASSWORD};
use crate::support::TestApp;

/// What `GET /api/session` says to the holder of cookie `session`.
async fn who(t: &TestApp, session: String) -> Value {
    let auth = Auth::Cookie { session: &session, csrf: None, origin: None };
    t.send(req("GET", "/api/session", auth, &Value::Null)).await.2
}

#[tokio::test]
async fn sign_in_sets_a_safe_cookie_and_a_new_session_id_every_time() {
    let t = TestApp::new().await;
    with_cities(&t).await;
    add_user(&t, "somchai@cmcity.go.th", false, &[("chiang-mai", Role::Editor)]).await;

    let body = json!({ "email": "Somchai@CMCity.go.th", "password": PASSWORD });
    let (status, headers, answer) = t.send(req("POST", "/api/session", Auth::None, &body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["user"]["email"], "somchai@cmcity.go.th");
    assert_eq!(answer["user"]["roles"], json!([{ "city": "chiang-mai", "role": "editor", "label": "Editor" }]));
    let cookie = headers["set-cookie"].to_str().unwrap().to_owned();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(cookie.contains(flag), "{flag} missing in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP gets no Secure flag: {cookie}");
    let first = cookie.split(';').next().unwrap().trim_start_matches("nexus_session=").to_owned();

    // Over HTTPS (a proxy says so) the cookie travels only over HTTPS.
    let mut over_tls = req("POST", "/api/session", Auth::None, &body);
    over_tls.headers_mut().insert("x-forwarded-proto", "https".parse().unwrap());
    let (_, headers, _) = t.send(crate::support::via_proxy(over_tls)).await;
    assert!(headers["set-cookie"].to_str().unwrap().contains("; Secure"));

    let me = who(&t, first.clone()).await;
    assert_eq!(me["user"]["email"], "somchai@cmcity.go.th");
    assert_eq!(me["csrf"].as_str().unwrap().len(), 43);

    // Signing in again with the old cookie ends that session: the id always changes.
    let mut again = req("POST", "/api/session", Auth::None, &body);
    again.headers_mut().insert("cookie", format!("nexus_session={first}").parse().unwrap());
    let (_, headers, _) = t.send(again).await;
    let second = headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("nexus_session=")
        .to_owned();
    assert_ne!(first, second);
    assert_eq!(who(&t, first).await["user"], Value::Null, "the old session ended at sign-in");
    assert_eq!(who(&t, second.clone()).await["user"]["email"], "somchai@cmcity.go.th");

    // Signing out ends it and clears the cookie.
    let csrf = who(&t, second.clone()).await["csrf"].as_str().unwrap().to_owned();
    let auth = Auth::Cookie { session: &second, csrf: Some(&csrf), origin: Some("http://atlas.test") };
    let (status, headers, _) = t.send(req("DELETE", "/api/session", auth, &Value::Null)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(headers["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(who(&t, second).await["user"], Value::Null);
    assert_eq!(audit_count(&t, "session.create").await, 3);
    assert_eq!(audit_count(&t, "session.delete").await, 1);
}

#[tokio::test]
async fn cookie_writes_need_this_origin_and_the_csrf_token() {
    let t = TestApp::new().await;
    with_cities(&t).await;
    add_user(&t, "editor@cm.org", false, &[("chiang-mai", Role::Editor)]).await;
    let (_, session, answer) = sign_in(&t, "editor@cm.org", PASSWORD).await;
    let session = session.unwrap();
    let csrf = answer["csrf"].as_str().unwrap().to_owned();
    let project = json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [98.99, 18.79] },
                          "properties": { "city": "chiang-mai", "title": "Compost hub", "sectors": ["waste"], "status": "idea" } });
    let cases = [
        (None, Some("http://atlas.test"), "lacks the session's X-CSRF-Token"),
        (Some(csrf.as_str()), Some("https://evil.example"), "another site"),
        (Some(csrf.as_str()), None, "another site"),
        (Some("forged"), Some("http://atlas.test"), "lacks the session's X-CSRF-Token"),
    ];
    for (token, origin, says) in cases {
        let auth = Auth::Cookie { session: &session, csrf: token, origin };
        let (status, _, body) = t.send(req("POST", "/api/projects", auth, &project)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{token:?} {origin:?}: {body}");
        assert_eq!(body["error"]["code"], "csrf");
        assert!(body["error"]["message"].as_str().unwrap().contains(says), "{body}");
    }
    let auth = Auth::Cookie { session: &session, csrf: Some(&csrf), origin: Some("http://atlas.test") };
    let (status, _, body) = t.send(req("POST", "/api/projects", auth, &project)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(audit_count(&t, "project.create").await, 1, "only the accepted write is in the trail");

    // A sign-in posted from another site is refused too (login CSRF).
    let mut cross = req("POST", "/api/session", Auth::None, &json!({ "email": "editor@cm.org", "password": PASSWORD }));
    cross.headers_mut().insert("origin", "https://evil.example".parse().unwrap());
    assert_eq!(t.send(cross).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn twenty_wrong_passwords_are_throttled_and_audited_and_the_right_one_waits_too() {
    let t = TestApp::new().await;
    add_user(&t, "target@naga.gov.ph", false, &[]).await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..20 {
        let body = json!({ "email": "target@naga.gov.ph", "password": "not the password at all" });
        let (status, headers, answer) = t.send(req("POST", "/api/session", Auth::None, &body)).await;
        if status == StatusCode::UNAUTHORIZED {
            assert_eq!(answer["error"]["message"], "the email or password is wrong");
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            retry_after = headers.get("retry-after").map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
        }
        statuses.push(status.as_u16());
    }
    assert_eq!(statuses[..5], [401; 5], "{statuses:?}");
    assert_eq!(statuses[5..], [429; 15], "{statuses:?}");
    let wait = retry_after.expect("429 says when to come back");
    assert!((1..=30).contains(&wait), "{wait}");
    let (status, cookie, _) = sign_in(&t, "target@naga.gov.ph", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the right password waits too");
    assert!(cookie.is_none());
    assert_eq!(audit_count(&t, "session.failed").await, 5);
    assert_eq!(audit_count(&t, "session.throttled").await, 16);

    // An unknown email answers like a wrong password.
    let (status, _, answer) = sign_in(&t, "nobody@naga.gov.ph", PASSWORD).await;
    assert_eq!(
        (status, answer["error"]["message"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("the email or password is wrong"))
    );
}

#[tokio::test]
async fn sessions_end_when_idle_too_long_past_their_limit_or_with_a_disabled_account() {
    let t = TestApp::new().await;
    with_cities(&t).await;
    add_user(&t, "idle@cmcity.go.th", false, &[("chiang-mai", Role::Viewer)]).await;
    let (client, conn) = tokio_postgres::connect(&t.db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    for (case, sql) in [
        ("unused for 9 hours", "UPDATE sessions SET last_seen = now() - interval '9 hours'"),
        ("past its absolute limit", "UPDATE sessions SET expires_at = now() - interval '1 second'"),
    ] {
        let (_, session, _) = sign_in(&t, "idle@cmcity.go.th", PASSWORD).await;
        let session = session.unwrap();
        assert_eq!(who(&t, session.clone()).await["user"]["email"], "idle@cmcity.go.th");
        client.execute(sql, &[]).await.unwrap();
        t.state.accounts.forget();
        assert_eq!(who(&t, session).await["user"], Value::Null, "{case}");
    }
    let (_, session, _) = sign_in(&t, "idle@cmcity.go.th", PASSWORD).await;
    let token = super::token_of(&t, "idle@cmcity.go.th").await;
    let off = json!({ "disabled": true });
    let (status, _, body) =
        t.send(req("PATCH", "/api/users/idle@cmcity.go.th", Auth::Bearer(crate::support::PLANNER_TOKEN), &off)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(who(&t, session.unwrap()).await["user"], Value::Null, "disabling ends the sessions at once");
    let (status, _, body) = t.send(req("GET", "/api/session", Auth::Bearer(&token), &Value::Null)).await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("the token's owner is disabled"))
    );
    let (status, _, _) = sign_in(&t, "idle@cmcity.go.th", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(audit_count(&t, "user.disable").await, 1);
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session_of_the_person() {
    let t = TestApp::new().await;
    add_user(&t, "two@atlas.org", false, &[]).await;
    let (_, first, _) = sign_in(&t, "two@atlas.org", PASSWORD).await;
    let (_, second, answer) = sign_in(&t, "two@atlas.org", PASSWORD).await;
    let (first, second) = (first.unwrap(), second.unwrap());
    let csrf = answer["csrf"].as_str().unwrap().to_owned();
    let auth = Auth::Cookie { session: &second, csrf: Some(&csrf), origin: Some("http://atlas.test") };
    let (status, _, _) = t.send(req("DELETE", "/api/session?everywhere=true", auth, &Value::Null)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(who(&t, first).await["user"], Value::Null);
    assert_eq!(who(&t, second).await["user"], Value::Null);
    assert_eq!(audit_count(&t, "session.delete_all").await, 1);
}

#[tokio::test]
async fn an_account_without_a_password_never_signs_in() {
    let t = TestApp::new().await;
    let spec = nexus_service::accounts::UserSpec {
        email: "bot@atlas.org".into(),
        name: None,
        password: None,
        site_admin: true,
        roles: vec![],
    };
    t.state.accounts.create_user(&nexus_service::accounts::Actor::cli(), &spec).await.unwrap();
    for guess in ["no account has this password", "", PASSWORD] {
        let (status, cookie, _) = sign_in(&t, "bot@atlas.org", guess).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{guess:?}");
        assert!(cookie.is_none());
    }
    // Its token works: that is what such an account is for.
    let token = super::token_of(&t, "bot@atlas.org").await;
    let (_, _, me) = t.send(req("GET", "/api/session", Auth::Bearer(&token), &Value::Null)).await;
    assert_eq!(me["user"]["email"], "bot@atlas.org");
}

#[tokio::test]
async fn parallel_guesses_meet_the_throttle_as_sequential_ones_do() {
    let t = TestApp::new().await;
    add_user(&t, "busy@atlas.org", false, &[]).await;
    let body = json!({ "email": "busy@atlas.org", "password": "a wrong guess, again" });
    let guesses = (0..12).map(|_| t.send(req("POST", "/api/session", Auth::None, &body)));
    let statuses: Vec<u16> = futures_util::future::join_all(guesses).await.iter().map(|r| r.0.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 7, "{statuses:?}");
    assert_eq!(audit_count(&t, "session.failed").await, 5);
}
