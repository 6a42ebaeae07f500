//! The web map: the production build in `web/dist`, or a plain page saying how to build it.

use std::path::Path;

use axum::response::Html;
use axum::routing::{get, MethodRouter};
use tower_http::services::{ServeDir, ServeFile};

use crate::state::AppState;

const PLACEHOLDER: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Nexus Atlas</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>Nexus Atlas</h1>
<p>The service is running, but the web map has not been built. Run <code>scripts/setup</code>
(or <code>npm --prefix web run build</code>) and reload.</p>
<p>The API is available: <a href="/health">/health</a>, <a href="/api/cities">/api/cities</a>.</p>
</body></html>"#;

/// `GET /`: the OGC API landing page for API clients (`?f=json`, `Accept: application/json`,
/// or `?f=html` for its readable form), the web map for everyone else.
pub async fn landing(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: axum::http::HeaderMap,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    // Browsers (which prefer text/html) get the map; every other client — `Accept: */*` from
    // curl, requests or OWSLib included — the API's landing page, and `?f=` decides outright.
    let f = q.get("f").map(String::as_str);
    match (f, crate::links::negotiate(f, &headers)) {
        (_, Err(message)) => return crate::error::ApiError::bad_request(message).into_response(),
        (Some(_), Ok(format)) | (None, Ok(format @ crate::links::Format::Json)) => {
            let mut res = crate::ogc::landing(&state, &headers, format).await;
            res.headers_mut().insert(axum::http::header::VARY, axum::http::HeaderValue::from_static("Accept"));
            return res;
        }
        (None, Ok(crate::links::Format::Html)) => {}
    }
    let page = std::fs::read_to_string(state.config.web_dir.join("index.html"));
    let mut response = match page {
        Ok(page) => Html(page).into_response(),
        Err(_) => Html(PLACEHOLDER).into_response(),
    };
    // The page names this build's assets: it is checked again on every visit. The same URL
    // answers API clients with JSON, so caches must key on Accept.
    let h = response.headers_mut();
    h.insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-cache"));
    h.insert(axum::http::header::VARY, axum::http::HeaderValue::from_static("Accept"));
    page_security(&state, h);
    response
}

/// Serves files from `dir` with `index.html` for unknown paths (the map keeps its state in
/// the URL hash), or the placeholder page when `dir` has no build. The build writes `.br` and
/// `.gz` beside each asset, sent to browsers that take them (a third of the bytes: the page
/// is up sooner); `assets/` names carry a content hash, so they are cached for a year.
pub fn service(dir: &Path, state: AppState) -> MethodRouter<AppState> {
    let index = dir.join("index.html");
    if index.is_file() {
        let files = ServeDir::new(dir)
            .precompressed_br()
            .precompressed_gzip()
            .fallback(ServeFile::new(index).precompressed_br().precompressed_gzip());
        axum::routing::get_service(files).layer(axum::middleware::map_response_with_state(state, cache_assets))
    } else {
        tracing::warn!(web.dir = %dir.display(), "no web build found; serving a placeholder page");
        get(|| async { Html(PLACEHOLDER) })
    }
}

/// `Cache-Control` for the web build: hashed assets for a year, everything else (the page,
/// whose asset names change with each build) revalidated every time.
async fn cache_assets(
    axum::extract::State(state): axum::extract::State<AppState>,
    uri: axum::http::Uri,
    mut response: axum::response::Response,
) -> axum::response::Response {
    use axum::http::{header, HeaderValue, StatusCode};
    let html = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let asset = uri.path().starts_with("/assets/");
    if asset && html {
        // A missing asset (an old build's name) is not the page: caching the page under a
        // script's name for a year would break the map until the cache expired.
        *response.status_mut() = StatusCode::NOT_FOUND;
        *response.body_mut() = axum::body::Body::from("no such asset");
        let h = response.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        h.remove(header::CONTENT_LENGTH);
        h.remove(header::CONTENT_ENCODING);
    }
    let value =
        if asset && response.status().is_success() { "public, max-age=31536000, immutable" } else { "no-cache" };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    page_security(&state, response.headers_mut());
    response
}

/// What the page may load and who may frame it: only this server (and the configured
/// basemap's host) — the planner's token lives in the page, so nothing else may run there.
fn page_security(state: &AppState, h: &mut axum::http::HeaderMap) {
    use axum::http::HeaderValue;
    let basemap = state
        .config
        .basemap
        .as_ref()
        .and_then(|b| {
            let (scheme, rest) = b.url.split_once("://")?;
            let host = rest.split('/').next()?;
            Some(format!(" {scheme}://{host}"))
        })
        .unwrap_or_default();
    let csp = format!(
        "default-src 'self'; script-src 'self'; worker-src 'self' blob:; img-src 'self' data: blob:{basemap}; \
         connect-src 'self'{basemap}; style-src 'self' 'unsafe-inline'; font-src 'self' data:; \
         object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert("content-security-policy", v);
    }
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
}
