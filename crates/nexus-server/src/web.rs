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
    let f = q.get("f").map(String::as_str);
    let accept = headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let wants_api =
        matches!(f, Some("json" | "html")) || (f.is_none() && accept.contains("json") && !accept.contains("text/html"));
    if wants_api {
        let format = if f == Some("html") { crate::links::Format::Html } else { crate::links::Format::Json };
        return crate::ogc::landing(&state, &headers, format).await;
    }
    let page = std::fs::read_to_string(state.config.web_dir.join("index.html"));
    let mut response = match page {
        Ok(page) => Html(page).into_response(),
        Err(_) => Html(PLACEHOLDER).into_response(),
    };
    // The page names this build's assets: it is checked again on every visit.
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-cache"));
    response
}

/// Serves files from `dir` with `index.html` for unknown paths (the map keeps its state in
/// the URL hash), or the placeholder page when `dir` has no build. The build writes `.br` and
/// `.gz` beside each asset, sent to browsers that take them (a third of the bytes: the page
/// is up sooner); `assets/` names carry a content hash, so they are cached for a year.
pub fn service(dir: &Path) -> MethodRouter<AppState> {
    let index = dir.join("index.html");
    if index.is_file() {
        let files = ServeDir::new(dir)
            .precompressed_br()
            .precompressed_gzip()
            .fallback(ServeFile::new(index).precompressed_br().precompressed_gzip());
        axum::routing::get_service(files).layer(axum::middleware::map_response(cache_assets))
    } else {
        tracing::warn!(web.dir = %dir.display(), "no web build found; serving a placeholder page");
        get(|| async { Html(PLACEHOLDER) })
    }
}

/// `Cache-Control` for the web build: hashed assets for a year, everything else (the page,
/// whose asset names change with each build) revalidated every time.
async fn cache_assets(uri: axum::http::Uri, mut response: axum::response::Response) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    let value = if uri.path().starts_with("/assets/") && response.status().is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}
