//! Time and share budgets (issue 14, finding 7): statement and lock budgets answer 503 instead
//! of hanging; a slow download does not queue every query behind a layer replace; heavy routes
//! are shared per client; the pool keeps connections for writes and `/health`; composite tiles
//! are capped; requests have deadlines; idle sockets are closed.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use tower::ServiceExt;

use crate::support::{multipart, Part, TestApp, PLANNER_TOKEN};

/// A layer big enough that its download cannot finish without a reader (several chunks of
/// 128 KiB), so the download holds its transaction while nobody reads.
async fn big_layer(t: &TestApp, id: &str, n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{id}.geojson"));
    let pad = "x".repeat(120);
    let features: Vec<String> = (0..n)
        .map(|i| {
            let (x, y) = (98.0 + (i % 100) as f64 * 0.001, 18.0 + (i / 100) as f64 * 0.001);
            format!(r#"{{"type":"Feature","properties":{{"n":{i},"pad":"{pad}"}},"geometry":{{"type":"Point","coordinates":[{x},{y}]}}}}"#)
        })
        .collect();
    std::fs::write(&path, format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))).unwrap();
    let mut o = nexus_ingest::IngestOptions::new(path, nexus_core::LayerId::new(id).unwrap());
    o.meta.visibility = Some(nexus_core::Visibility::Public);
    nexus_ingest::ingest(&t.store, o, std::sync::Arc::new(nexus_ingest::NoProgress)).await.unwrap();
    t.await_revision(id, 1).await;
}

fn from(peer: &str, uri: &str) -> Request<Body> {
    let mut req = Request::get(uri).body(Body::empty()).unwrap();
    req.extensions_mut().insert(axum::extract::ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    req
}

/// Starts a download and keeps its response unread: the export holds a connection and an
/// open transaction until the response is dropped.
async fn held_download(t: &TestApp, peer: &str, layer: &str) -> Response<Body> {
    let res = t.app.clone().oneshot(from(peer, &format!("/export/{layer}.geojson"))).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res
}

async fn status_within(t: &TestApp, req: Request<Body>, limit: Duration) -> Option<StatusCode> {
    tokio::time::timeout(limit, t.app.clone().oneshot(req)).await.ok().map(|r| r.unwrap().status())
}

#[tokio::test]
async fn a_slow_download_does_not_queue_every_query_behind_a_replace() {
    let t = TestApp::new().await;
    big_layer(&t, "big", 5_000).await;
    t.ingest("places.geojson", "places", |o| o.meta.visibility = Some(nexus_core::Visibility::Public)).await;
    let download = held_download(&t, "198.51.100.1:1000", "big").await;
    // A replace of the layer being downloaded must wait for the download's transaction to
    // detach its partition of `features`; while it waits, reads of every layer go on.
    let app = t.app.clone();
    let replace = tokio::spawn(async move {
        let parts = [Part::File("file", "places.geojson", crate::support::fixture("places.geojson"))];
        app.oneshot(multipart("/api/layers/big/data", Some(PLANNER_TOKEN), &parts)).await.unwrap().status()
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for uri in ["/collections/places/items?limit=5", "/collections/big/items?limit=5", "/tiles/places/0/0/0.mvt"] {
        let started = Instant::now();
        let status = status_within(&t, from("198.51.100.2:1000", uri), Duration::from_secs(5)).await;
        assert!(matches!(status, Some(s) if s.is_success()), "{uri} queued behind the replace: {status:?}");
        assert!(started.elapsed() < Duration::from_secs(3), "{uri} took {:?}", started.elapsed());
    }
    assert!(!replace.is_finished(), "the replace waits for the download");
    drop(download);
    let status = tokio::time::timeout(Duration::from_secs(30), replace).await.unwrap().unwrap();
    assert_eq!(status, StatusCode::OK, "the replace lands once the download is gone");
}

#[tokio::test]
async fn statement_and_lock_budgets_answer_503_instead_of_hanging() {
    for (what, budgets) in [
        ("lock", nexus_store::Budgets { lock: Duration::from_millis(300), ..Default::default() }),
        (
            "statement",
            nexus_store::Budgets { statement: Duration::from_millis(300), lock: Duration::ZERO, ..Default::default() },
        ),
    ] {
        let t = TestApp::tuned(|s| s.budgets = budgets, |_| {}).await;
        t.ingest("places.geojson", "places", |o| o.meta.visibility = Some(nexus_core::Visibility::Public)).await;
        let (admin, conn) = tokio_postgres::connect(&t.db.url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        admin.batch_execute("BEGIN; LOCK TABLE features IN ACCESS EXCLUSIVE MODE").await.unwrap();
        let started = Instant::now();
        let (status, headers, body) = t.send(from("198.51.100.3:1000", "/collections/places/items")).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{what}: {body}");
        assert_eq!(body["error"]["code"], "busy", "{what}: {body}");
        assert_eq!(headers["retry-after"], "2");
        assert!(started.elapsed() < Duration::from_secs(3), "{what}: {:?}", started.elapsed());
        admin.batch_execute("ROLLBACK").await.unwrap();
        let (status, _, _) = t.send(from("198.51.100.3:1000", "/collections/places/items")).await;
        assert_eq!(status, StatusCode::OK, "{what}: served again once the lock is gone");
    }
}

#[tokio::test]
async fn heavy_requests_are_shared_per_client_address() {
    let t = TestApp::with(|c| c.http.heavy_per_client = 1).await;
    big_layer(&t, "big", 5_000).await;
    let download = held_download(&t, "198.51.100.4:1000", "big").await;
    let (status, headers, body) = t.send(from("198.51.100.4:2000", "/collections/big/items?limit=1")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(headers["retry-after"], "1");
    // Light routes and other clients are not held up.
    assert_eq!(t.send(from("198.51.100.4:2000", "/tiles/big/0/0/0.mvt")).await.0, StatusCode::OK);
    assert_eq!(t.send(from("198.51.100.5:1000", "/collections/big/items?limit=1")).await.0, StatusCode::OK);
    drop(download);
    assert_eq!(t.send(from("198.51.100.4:2000", "/collections/big/items?limit=1")).await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_pool_keeps_connections_for_health_and_writes() {
    // Five connections, two kept back: three downloads take every reader's share.
    let t = TestApp::tuned(
        |s| {
            s.pool_size = 5;
            s.reserve = 2;
        },
        |c| c.max_exports = 8,
    )
    .await;
    big_layer(&t, "big", 5_000).await;
    let mut held = Vec::new();
    for i in 0..3 {
        held.push(held_download(&t, &format!("198.51.100.{}:1000", 10 + i), "big").await);
    }
    let read = from("198.51.100.20:1000", "/collections/big/items?limit=1");
    assert_eq!(status_within(&t, read, Duration::from_millis(800)).await, None, "the readers' share is taken");
    let started = Instant::now();
    assert_eq!(
        status_within(&t, from("198.51.100.20:1000", "/health"), Duration::from_secs(2)).await,
        Some(StatusCode::OK)
    );
    assert!(started.elapsed() < Duration::from_millis(500), "{:?}", started.elapsed());
    let parts = [Part::File("file", "places.geojson", crate::support::fixture("places.geojson"))];
    let write = multipart("/api/layers/places/data", Some(PLANNER_TOKEN), &parts);
    assert_eq!(status_within(&t, write, Duration::from_secs(10)).await, Some(StatusCode::OK), "a write still lands");
    held.pop();
    let read = from("198.51.100.20:1000", "/collections/big/items?limit=1");
    assert_eq!(status_within(&t, read, Duration::from_secs(5)).await, Some(StatusCode::OK));
}

#[tokio::test]
async fn composite_tiles_are_capped_and_requests_have_deadlines() {
    let t = TestApp::with(|c| c.http.upload_timeout = Duration::from_millis(1)).await;
    let names: Vec<String> = (0..17).map(|i| format!("l{i}")).collect();
    let (status, _, body) = t.send(from("198.51.100.6:1000", &format!("/tiles/{}/0/0/0.mvt", names.join(",")))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("at most 16 layers"), "{body}");

    let parts = [Part::File("file", "places.geojson", crate::support::fixture("places.geojson"))];
    let (status, _, body) = t.send(multipart("/api/layers/places/data", Some(PLANNER_TOKEN), &parts)).await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT, "{body}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(t.get_json("/api/layers").await.1, serde_json::json!([]), "the cut-off upload stored nothing");
}

#[tokio::test]
async fn sockets_that_never_finish_their_headers_are_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let t = TestApp::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(nexus_server::serve(
        listener,
        t.app.clone(),
        async move {
            let _ = stopped.await;
        },
        Duration::from_secs(1),
    ));
    let mut idle = Vec::new();
    for i in 0..200 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        if i % 2 == 0 {
            s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        }
        idle.push(s);
    }
    let started = Instant::now();
    let mut health = tokio::net::TcpStream::connect(addr).await.unwrap();
    health.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut answer = String::new();
    health.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(started.elapsed() < Duration::from_millis(500), "{:?}", started.elapsed());
    for (i, s) in idle.iter_mut().enumerate() {
        let mut buf = [0u8; 256];
        let closed = tokio::time::timeout(Duration::from_secs(3), s.read(&mut buf)).await;
        assert!(matches!(closed, Ok(Ok(_) | Err(_))), "socket {i} still open after {:?}", started.elapsed());
    }
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn pre_rendering_is_a_job_that_outlasts_the_request_budget() {
    // Its COPY into the tile store lasts the whole render of the low zooms: under the
    // requests' statement budget it was cancelled, and the layer never pre-rendered.
    let t =
        TestApp::tuned(|s| s.budgets.statement = Duration::from_millis(50), |c| c.tiles.prerender_maxzoom = Some(12))
            .await;
    big_layer(&t, "big", 5_000).await;
    let id = nexus_core::LayerId::new("big").unwrap();
    let started = Instant::now();
    loop {
        let layer = t.store.layer(&id).await.unwrap().unwrap();
        if layer.prerendered_revision == Some(layer.revision) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "never pre-rendered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
