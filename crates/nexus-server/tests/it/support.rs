//! Building an app on a fresh database and calling it.

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use nexus_server::{app, AppState, ServerConfig};
use nexus_store::testing::TestDb;
use tower::ServiceExt;

/// The planner token the test apps accept.
pub const PLANNER_TOKEN: &str = "test-planner-token";

/// An app on its own database; the database lives as long as the value.
pub struct TestApp {
    pub app: Router,
    pub db: TestDb,
    pub store: nexus_store::Store,
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with_web_dir(PathBuf::from("/nonexistent")).await
    }

    pub async fn with_web_dir(web_dir: PathBuf) -> TestApp {
        let db = TestDb::new().await.unwrap();
        let store = db.store().await.unwrap();
        let mut config = ServerConfig::new(web_dir);
        config.planner_token = Some(PLANNER_TOKEN.to_owned());
        config.max_upload_bytes = 8 << 20;
        let app = app(AppState::new(store.clone(), config));
        TestApp { app, db, store }
    }

    /// GET `uri`; returns status, content type and body.
    pub async fn get(&self, uri: &str) -> (StatusCode, String, Vec<u8>) {
        let res = self.app.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
        let status = res.status();
        let ctype = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, ctype, body)
    }

    /// GET `uri` and parse the JSON body.
    pub async fn get_json(&self, uri: &str) -> (StatusCode, serde_json::Value) {
        let (status, _, body) = self.get(uri).await;
        (status, serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{uri}: not JSON ({e})")))
    }
}
