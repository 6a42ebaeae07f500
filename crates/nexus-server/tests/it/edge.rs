//! The edge (issue 14, findings 4 and 5): forwarding headers believed only from the trusted
//! proxy, and security headers on every response.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;

use crate::support::{via_proxy, TestApp};

fn tilejson(from: Option<std::net::SocketAddr>) -> Request<Body> {
    let mut req = Request::get("/collections")
        .header("host", "atlas.test")
        .header("x-forwarded-host", "evil.example")
        .header("x-forwarded-proto", "https")
        .body(Body::empty())
        .unwrap();
    if let Some(peer) = from {
        req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
    }
    req
}

fn self_link(doc: &Value) -> String {
    doc["links"].as_array().unwrap().iter().find(|l| l["rel"] == "self").unwrap()["href"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn forwarding_headers_count_only_from_the_trusted_proxy() {
    let t = TestApp::new().await;
    for (who, from) in [("no known peer", None), ("a stranger", Some("203.0.113.7:5000".parse().unwrap()))] {
        let (status, _, doc) = t.send(tilejson(from)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(self_link(&doc).starts_with("http://atlas.test/"), "{who}: {}", self_link(&doc));
    }
    let (_, _, doc) = t.send(via_proxy(tilejson(None))).await;
    assert!(self_link(&doc).starts_with("https://evil.example/"), "the proxy is believed: {}", self_link(&doc));
}

#[tokio::test]
async fn every_response_has_security_headers_and_pages_a_strict_policy() {
    let t = TestApp::new().await;
    let res = t.send(Request::get("/collections").body(Body::empty()).unwrap()).await;
    assert_eq!(res.1["x-content-type-options"], "nosniff");
    assert_eq!(res.1["referrer-policy"], "same-origin");
    assert!(!res.1.contains_key("content-security-policy"), "JSON needs no page policy");
    let res = t.send(Request::get("/collections?f=html").body(Body::empty()).unwrap()).await;
    let csp = res.1["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(res.1["x-frame-options"], "DENY");
    assert_eq!(res.1["x-content-type-options"], "nosniff");
    let res = t.send(Request::get("/api/nope").body(Body::empty()).unwrap()).await;
    assert_eq!(res.0, StatusCode::NOT_FOUND);
    assert_eq!(res.1["x-content-type-options"], "nosniff", "errors too");
    // The map's page keeps its own policy (it runs this server's scripts).
    let res = t.send(Request::get("/").header("accept", "text/html").body(Body::empty()).unwrap()).await;
    let csp = res.1.get("content-security-policy").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    assert!(csp.contains("script-src 'self'"), "{csp}");
}
