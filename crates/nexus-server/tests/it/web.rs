//! The web map's files, and the placeholder when there is no build.

use axum::http::StatusCode;

use crate::support::TestApp;

/// What a browser asks for when it opens a page.
const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// `GET uri` as a browser asks for a page.
async fn page(t: &TestApp, uri: &str) -> (StatusCode, String, Vec<u8>) {
    use http_body_util::BodyExt;
    let req = axum::http::Request::get(uri).header("accept", BROWSER).body(axum::body::Body::empty()).unwrap();
    let res = tower::ServiceExt::oneshot(t.app.clone(), req).await.unwrap();
    let ctype = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (res.status(), ctype, res.into_body().collect().await.unwrap().to_bytes().to_vec())
}

#[tokio::test]
async fn a_built_map_is_served_with_index_fallback() {
    let dir = tempfile_dir();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>Nexus Atlas map</title>").unwrap();
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("assets/app.js"), "console.log('map')").unwrap();
    let t = TestApp::with_web_dir(dir.clone()).await;

    let (status, ctype, body) = page(&t, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.starts_with("text/html"));
    assert!(String::from_utf8(body).unwrap().contains("Nexus Atlas map"));
    let (status, ctype, _) = t.get("/assets/app.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.contains("javascript"), "{ctype}");
    // The build's compressed copies go to browsers that take them; hashed assets are immutable.
    std::fs::write(dir.join("assets/app.js.gz"), b"gzipped bytes").unwrap();
    let req = axum::http::Request::get("/assets/app.js")
        .header("accept-encoding", "gzip")
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(t.app.clone(), req).await.unwrap();
    assert_eq!(res.headers()["content-encoding"], "gzip");
    assert_eq!(res.headers()["cache-control"], "public, max-age=31536000, immutable");
    let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
    assert_eq!(&body[..], b"gzipped bytes");
    let res = tower::ServiceExt::oneshot(
        t.app.clone(),
        axum::http::Request::get("/").header("accept", BROWSER).body(axum::body::Body::empty()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(res.headers()["cache-control"], "no-cache", "the page is revalidated: it names each build's assets");
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["vary"], "Accept");
    // An asset this build does not have is a 404, never the page cached for a year.
    let (status, ctype, _) = t.get("/assets/old-build-1234.js").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!ctype.starts_with("text/html"), "{ctype}");
    let (status, _, body) = page(&t, "/city/chiang-mai").await;
    assert_eq!(status, StatusCode::OK, "client-side paths get the page");
    assert!(String::from_utf8(body).unwrap().contains("Nexus Atlas map"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn without_a_build_a_placeholder_says_how_to_build() {
    let t = TestApp::new().await;
    let (status, ctype, body) = page(&t, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.starts_with("text/html"));
    let text = String::from_utf8(body).unwrap();
    assert!(text.contains("Nexus Atlas") && text.contains("scripts/setup"), "{text}");
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("nexus-web-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
