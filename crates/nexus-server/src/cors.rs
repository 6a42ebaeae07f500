//! Cross-origin reads: any web page may read the atlas (GET, HEAD), as with tower-http's
//! `CorsLayer` before, which answered every `OPTIONS` itself. Here only a browser's preflight
//! (`OPTIONS` with `Access-Control-Request-Method`) is answered at the edge; any other
//! `OPTIONS` reaches the routes, whose `Allow` tells an OGC API client (QGIS, OWSLib) what it
//! may do there.

use axum::extract::Request;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_REQUEST_METHOD, VARY,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

const VARIES: HeaderValue =
    HeaderValue::from_static("origin, access-control-request-method, access-control-request-headers");

pub(crate) async fn cors(req: Request, next: Next) -> Response {
    if req.method() == Method::OPTIONS && req.headers().contains_key(ACCESS_CONTROL_REQUEST_METHOD) {
        let mut res = StatusCode::OK.into_response();
        let h = res.headers_mut();
        h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        h.insert(ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET,HEAD"));
        h.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("*"));
        h.insert(VARY, VARIES);
        return res;
    }
    let mut res = next.run(req).await;
    res.headers_mut().insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    res.headers_mut().append(VARY, VARIES);
    res
}
