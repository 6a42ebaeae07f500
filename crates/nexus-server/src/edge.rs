//! What every request and response passes at the edge: forwarding headers believed only from
//! the configured proxies (anyone can send `X-Forwarded-Host`, and it is written into links and
//! TileJSON), and security headers on every response — `nosniff` and a referrer policy on all,
//! a strict Content-Security-Policy on HTML pages that did not set their own.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// Headers only a trusted proxy may set.
const FORWARDING: &[&str] =
    &["x-forwarded-host", "x-forwarded-proto", "x-forwarded-prefix", "x-forwarded-for", "forwarded"];

/// The HTML pages of the OGC API (and any other page without its own policy) load nothing
/// but their inline style and this server's images; nothing may frame them.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
                           base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub(crate) async fn edge(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    if !peer.is_some_and(|p| state.config.trusted_proxies.contains(&p)) {
        let h = req.headers_mut();
        for name in FORWARDING {
            h.remove(*name);
        }
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.entry("referrer-policy").or_insert(HeaderValue::from_static("same-origin"));
    let html = h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
    if html && !h.contains_key("content-security-policy") {
        h.insert("content-security-policy", HeaderValue::from_static(PAGE_POLICY));
        h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    }
    res
}
