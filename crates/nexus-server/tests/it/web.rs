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

/// The map's labels are drawn with glyphs this server renders from its own fonts: Latin and
/// Thai in one stack, gzipped when asked, and clear errors for what no style asks.
#[tokio::test]
async fn label_glyphs_come_from_this_server() {
    use nexus_service::glyphs::code_points;
    let t = TestApp::new().await;
    let (status, list) = t.get_json("/fonts").await;
    assert_eq!(status, StatusCode::OK);
    let stacks: Vec<&str> = list.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(stacks, ["Nexus Sans", "Nexus Sans Bold"]);
    assert!(list.as_array().unwrap().iter().all(|s| s["missing"] == serde_json::json!([])), "{list}");

    let (status, ctype, body) = t.get("/fonts/Nexus%20Sans/3584-3839.pbf").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ctype, "application/x-protobuf");
    let thai = code_points(&body);
    for c in "หายยา".chars() {
        assert!(thai.contains(&u32::from(c)), "{c} missing from {thai:?}");
    }
    // A `text-font` list comes as one comma-separated stack.
    let (status, _, body) = t.get("/fonts/Nexus%20Sans,Nexus%20Sans%20Bold/0-255.pbf").await;
    assert_eq!(status, StatusCode::OK);
    assert!("Hai Ya".chars().all(|c| code_points(&body).contains(&u32::from(c))));

    let req = axum::http::Request::get("/fonts/Nexus%20Sans/0-255.pbf")
        .header("accept-encoding", "gzip, br")
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(t.app.clone(), req).await.unwrap();
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let gz = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut raw).unwrap();
    assert!(code_points(&raw).contains(&u32::from('H')));

    // The Thai font itself, for the browser to shape Thai words with; nothing else of the disk.
    let (status, ctype, body) = t.get("/fonts/files/Loma.ttf").await;
    assert_eq!((status, ctype.as_str()), (StatusCode::OK, "font/ttf"));
    assert_eq!(&body[..4], &[0, 1, 0, 0], "a TrueType file");
    for path in ["/fonts/files/..%2F..%2F..%2Fetc%2Fpasswd", "/fonts/files/Garuda.ttf"] {
        assert_eq!(t.get(path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _, body) = t.get("/fonts/Open%20Sans%20Regular/0-255.pbf").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(String::from_utf8_lossy(&body).contains("Open Sans Regular"));
    let (status, _, body) = t.get("/fonts/Nexus%20Sans/1-256.pbf").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("1-256"));
}
