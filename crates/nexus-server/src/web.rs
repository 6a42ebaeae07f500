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

/// Serves files from `dir` with `index.html` for unknown paths (the map keeps its state in
/// the URL hash), or the placeholder page when `dir` has no build.
pub fn service(dir: &Path) -> MethodRouter<AppState> {
    let index = dir.join("index.html");
    if index.is_file() {
        axum::routing::get_service(ServeDir::new(dir).fallback(ServeFile::new(index)))
    } else {
        tracing::warn!(web.dir = %dir.display(), "no web build found; serving a placeholder page");
        get(|| async { Html(PLACEHOLDER) })
    }
}
