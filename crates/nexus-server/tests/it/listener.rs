//! When change notifications may be lost (issue 14, finding 11): while the listener's
//! connection is down, who may see a layer and whose token is valid are asked of the
//! database, so a layer just made a draft or an account just disabled is not served from
//! memory.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use nexus_core::Visibility;

use crate::accounts::{add_user, token_of, with_cities};
use crate::support::TestApp;

async fn admin(t: &TestApp) -> tokio_postgres::Client {
    let (c, conn) = tokio_postgres::connect(&t.db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    c
}

/// Ends every listener's connection and waits until this instance knows it is not hearing
/// changes (the listener reconnects after 200 ms).
async fn cut_listeners(t: &TestApp, sql: &tokio_postgres::Client) {
    let cut: i64 = sql
        .query_one(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND query LIKE 'LISTEN %') x",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(cut >= 2, "the tile and account listeners are connected: {cut}");
    let started = Instant::now();
    while t.state.tiles.trusted() || t.state.accounts.caching() {
        assert!(started.elapsed() < Duration::from_secs(2), "the loss was never noticed");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Waits until the tile service hears changes (its listener has started).
async fn listening(t: &TestApp) {
    let started = Instant::now();
    while !t.state.tiles.trusted() {
        assert!(started.elapsed() < Duration::from_secs(5), "the listener never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_draft_made_while_the_listener_is_down_is_never_served_to_the_public() {
    let t = TestApp::new().await;
    t.ingest("places.geojson", "places", |o| o.meta.visibility = Some(Visibility::Public)).await;
    t.await_revision("places", 1).await;
    let sql = admin(&t).await;
    listening(&t).await;
    assert_eq!(t.get("/tiles/places.json").await.0, StatusCode::OK);
    cut_listeners(&t, &sql).await;
    // Its notification goes nowhere: nobody listens now.
    sql.batch_execute("UPDATE layers SET visibility = 'draft' WHERE id = 'places'").await.unwrap();
    for uri in ["/tiles/places.json", "/tiles/places/0/0/0.mvt", "/collections/places/items", "/collections/places"] {
        assert_eq!(t.get(uri).await.0, StatusCode::NOT_FOUND, "{uri} served a draft");
    }
    let (_, list) = t.get_json("/collections").await;
    assert!(!list.to_string().contains("\"places\""), "{list}");
    // The projects' tile source, which has no catalog row, is still found.
    assert!(t.get("/tiles/projects/0/0/0.mvt").await.0.is_success());
    // Once the listener is back, the catalog is read again and trusted.
    let started = Instant::now();
    while !t.state.tiles.trusted() {
        assert!(started.elapsed() < Duration::from_secs(5), "the listener never came back");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(t.state.tiles.catalog().get("places").unwrap().visibility, Visibility::Draft);
    assert_eq!(t.get("/tiles/places.json").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_account_disabled_while_the_listener_is_down_is_refused_at_once() {
    let t = TestApp::new().await;
    with_cities(&t).await;
    add_user(&t, "ed@chiang-mai.test", false, &[("chiang-mai", nexus_core::Role::Editor)]).await;
    let token = token_of(&t, "ed@chiang-mai.test").await;
    let sql = admin(&t).await;
    let who = || {
        axum::http::Request::get("/api/session")
            .header("authorization", format!("Bearer {token}"))
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let started = Instant::now();
    while !t.state.accounts.caching() {
        assert!(started.elapsed() < Duration::from_secs(5), "the listener never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(t.send(who()).await.0, StatusCode::OK, "the token works (and is cached)");
    cut_listeners(&t, &sql).await;
    sql.batch_execute("UPDATE users SET disabled = true WHERE email = 'ed@chiang-mai.test'").await.unwrap();
    let (status, _, body) = t.send(who()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a disabled account was let in from memory: {body}");
}

#[tokio::test]
async fn a_change_served_while_the_listener_is_down_is_never_taken_back() {
    // A catalog reload that read the layers before this change must not set the instance
    // back once it is trusted again: what a request served while not trusted is kept.
    let t = TestApp::new().await;
    t.ingest("places.geojson", "places", |o| o.meta.visibility = Some(Visibility::Public)).await;
    t.await_revision("places", 1).await;
    let sql = admin(&t).await;
    listening(&t).await;
    cut_listeners(&t, &sql).await;
    sql.batch_execute("UPDATE layers SET revision = revision + 1, title = 'Places again' WHERE id = 'places'")
        .await
        .unwrap();
    let (status, tilejson) = t.get_json("/tiles/places.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tilejson["version"], "2", "read from the database while not trusted");
    let still_down = !t.state.tiles.trusted();
    let kept = t.state.tiles.catalog().get("places").unwrap();
    assert_eq!(kept.revision, 2, "the catalog was left behind what was served (listener down: {still_down})");
    assert_eq!(kept.title, "Places again");
}
