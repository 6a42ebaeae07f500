//! Building an app on a fresh database and calling it.

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use nexus_server::{app, AppState, ServerConfig};
use nexus_store::testing::TestDb;
use tower::ServiceExt;

/// The reverse proxy the test apps trust; requests that say they come through it carry
/// `ConnectInfo(PROXY)` (see [`via_proxy`]).
pub const PROXY: std::net::SocketAddr =
    std::net::SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 4000);

/// `req` as arriving from the trusted proxy.
pub fn via_proxy(mut req: Request<Body>) -> Request<Body> {
    req.extensions_mut().insert(axum::extract::ConnectInfo(PROXY));
    req
}

/// The planner token the test apps accept.
pub const PLANNER_TOKEN: &str = "test-planner-token";

/// An app on its own database; the database lives as long as the value.
pub struct TestApp {
    pub app: Router,
    pub state: AppState,
    pub db: TestDb,
    pub store: nexus_store::Store,
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with_web_dir(PathBuf::from("/nonexistent")).await
    }

    pub async fn with_web_dir(web_dir: PathBuf) -> TestApp {
        Self::build(web_dir, Some(PLANNER_TOKEN)).await
    }

    /// An app on its own database with settings changed by `f`.
    pub async fn with(f: impl FnOnce(&mut ServerConfig)) -> TestApp {
        Self::tuned(|_| {}, f).await
    }

    /// An app whose store and settings are changed by `store` and `server`.
    pub async fn tuned(
        store: impl FnOnce(&mut nexus_store::StoreConfig),
        server: impl FnOnce(&mut ServerConfig),
    ) -> TestApp {
        Self::tuned_on(TestDb::new().await.unwrap(), store, server).await
    }

    /// An app on `db` with its store's settings changed by `store` (other roles, say).
    pub async fn on_db(db: TestDb, store: impl FnOnce(&mut nexus_store::StoreConfig)) -> TestApp {
        Self::tuned_on(db, store, |_| {}).await
    }

    async fn tuned_on(
        db: TestDb,
        store: impl FnOnce(&mut nexus_store::StoreConfig),
        server: impl FnOnce(&mut ServerConfig),
    ) -> TestApp {
        let store = db.store_with(store).await.unwrap();
        let mut config = ServerConfig::new(PathBuf::from("/nonexistent"));
        config.planner_token = Some(PLANNER_TOKEN.to_owned());
        config.tiles.prerender_maxzoom = None;
        config.trusted_proxies = vec![PROXY.ip()];
        server(&mut config);
        let state = AppState::start(store.clone(), config, std::sync::Arc::new(nexus_ingest::Gdal)).await.unwrap();
        TestApp { app: app(state.clone()), state, db, store }
    }

    /// An app whose configuration has no planner token at all.
    pub async fn without_token() -> TestApp {
        Self::build(PathBuf::from("/nonexistent"), None).await
    }

    async fn build(web_dir: PathBuf, token: Option<&str>) -> TestApp {
        let db = TestDb::new().await.unwrap();
        let store = db.store().await.unwrap();
        let mut config = ServerConfig::new(web_dir);
        config.planner_token = token.map(str::to_owned);
        // Tests that want pre-rendering ask for it (TestApp::on).
        config.tiles.prerender_maxzoom = None;
        config.trusted_proxies = vec![PROXY.ip()];
        config.max_upload_bytes = 8 << 20;
        let state = AppState::start(store.clone(), config, std::sync::Arc::new(nexus_ingest::Gdal)).await.unwrap();
        let app = app(state.clone());
        TestApp { app, state, db, store }
    }

    /// Another server instance on the same database (its own cache and listener).
    pub async fn second_instance(&self) -> Router {
        let store = self.db.store().await.unwrap();
        let mut config = ServerConfig::new(PathBuf::from("/nonexistent"));
        config.tiles.prerender_maxzoom = None;
        app(AppState::start(store, config, std::sync::Arc::new(nexus_ingest::Gdal)).await.unwrap())
    }

    /// Loads a fixture file into a layer.
    pub async fn ingest(
        &self,
        file: &str,
        layer: &str,
        f: impl FnOnce(&mut nexus_ingest::IngestOptions),
    ) -> nexus_ingest::IngestReport {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ingest").join(file);
        let mut o = nexus_ingest::IngestOptions::new(path, nexus_core::LayerId::new(layer).unwrap());
        f(&mut o);
        nexus_ingest::ingest(&self.store, o, std::sync::Arc::new(nexus_ingest::NoProgress)).await.unwrap()
    }

    /// Waits until this instance's catalog shows `layer` at `revision` (change notifications
    /// arrive asynchronously).
    pub async fn await_revision(&self, layer: &str, revision: i64) {
        for _ in 0..200 {
            if self.state.tiles.catalog().get(layer).is_some_and(|l| l.revision >= revision) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("layer {layer} never reached revision {revision}");
    }

    /// The numbers of the one row `sql` returns, straight from PostGIS.
    pub async fn sql_f64s(&self, sql: &str) -> Vec<f64> {
        let (client, conn) = tokio_postgres::connect(&self.db.url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        let row = client.query_one(sql, &[]).await.unwrap();
        (0..row.len()).map(|i| row.get::<_, f64>(i)).collect()
    }

    /// GET `uri`; returns status, content type and body.
    pub async fn get(&self, uri: &str) -> (StatusCode, String, Vec<u8>) {
        let res = self.app.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
        let status = res.status();
        let ctype = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, ctype, body)
    }

    /// Sends a request; returns status, headers and the JSON body (or `null`).
    pub async fn send(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        (status, headers, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
    }

    /// GET `uri` and parse the JSON body.
    pub async fn get_json(&self, uri: &str) -> (StatusCode, serde_json::Value) {
        let (status, _, body) = self.get(uri).await;
        (status, serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{uri}: not JSON ({e})")))
    }
}

/// One part of a multipart/form-data body.
pub enum Part<'a> {
    /// A text field.
    Text(&'a str, &'a str),
    /// A file field: field name, file name, bytes.
    File(&'a str, &'a str, Vec<u8>),
}

/// A multipart/form-data POST to `uri`, with the planner token when `token` is given.
pub fn multipart(uri: &str, token: Option<&str>, parts: &[Part<'_>]) -> Request<Body> {
    let boundary = "nexus-test-boundary-7MA4YWxkTrZu0gW";
    let mut body: Vec<u8> = Vec::new();
    for p in parts {
        body.extend(format!("--{boundary}\r\n").as_bytes());
        match p {
            Part::Text(name, value) => {
                body.extend(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
            }
            Part::File(name, file, bytes) => {
                body.extend(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend(bytes);
                body.extend(b"\r\n");
            }
        }
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    let mut req = Request::post(uri).header("content-type", format!("multipart/form-data; boundary={boundary}"));
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    req.body(Body::from(body)).unwrap()
}

/// A fixture file's bytes.
pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ingest").join(name))
        .unwrap()
}
