//! Time and share budgets at the edge: every request has a deadline (uploads a longer one),
//! and the heavy routes anyone may call — the what-if, items pages, search, composite tiles,
//! downloads — are limited per client address, so one client cannot take the database from
//! everyone else.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Extensions, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::shares::Held;
use crate::state::AppState;

/// Whether a request is one of the heavy kinds (each may cost the database seconds).
fn heavy(method: &Method, path: &str) -> bool {
    let composite_tile =
        path.strip_prefix("/tiles/").and_then(|rest| rest.split('/').next()).is_some_and(|s| s.contains(','));
    (method == Method::POST && path == "/api/nexus/evaluate")
        || (method == Method::GET
            && (path.starts_with("/export/")
                || path == "/api/search"
                || (path.starts_with("/collections/") && path.ends_with("/items"))
                || composite_tile))
}

fn is_upload(method: &Method, path: &str) -> bool {
    method == Method::POST && path.starts_with("/api/layers/") && path.ends_with("/data")
}

/// The client's address: the socket's peer, or, from a trusted proxy, the last address the
/// proxy put in `X-Forwarded-For`.
pub fn client_ip(state: &AppState, req: &Request) -> Option<IpAddr> {
    client_of(state, req.headers(), req.extensions())
}

/// [`client_ip`] from a request's parts.
pub fn client_of(state: &AppState, headers: &HeaderMap, extensions: &Extensions) -> Option<IpAddr> {
    let peer = extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())?;
    if !state.config.trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    Some(forwarded.and_then(|v| v.rsplit(',').next()).and_then(|a| a.trim().parse().ok()).unwrap_or(peer))
}

pub(crate) async fn budget(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limits = state.config.http;
    // Decided before the request moves on, without copying its path: this runs for every tile.
    let (method, path) = (req.method(), req.uri().path());
    let (is_heavy, upload) = (heavy(method, path), is_upload(method, path));
    let slot = if limits.heavy_per_client > 0 && is_heavy {
        match client_ip(&state, &req).map(|ip| state.in_flight.enter(ip, limits.heavy_per_client)) {
            Some(None) => {
                return ApiError {
                    retry_after: Some(1),
                    ..ApiError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        "too_many",
                        format!(
                            "this address already has {} heavy requests in progress; wait for them",
                            limits.heavy_per_client
                        ),
                    )
                }
                .into_response();
            }
            Some(Some(slot)) => Some(slot),
            None => None,
        }
    } else {
        None
    };
    let deadline = if upload { limits.upload_timeout } else { limits.request_timeout };
    match tokio::time::timeout(deadline, next.run(req)).await {
        Ok(res) => match slot {
            Some(slot) => res.map(|body| axum::body::Body::new(Held::new(body, slot))),
            None => res,
        },
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            format!("the request was not answered within {} s", deadline.as_secs()),
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heavy_routes_are_told_apart() {
        let get = Method::GET;
        assert!(heavy(&Method::POST, "/api/nexus/evaluate"));
        assert!(heavy(&get, "/collections/villages/items"));
        assert!(heavy(&get, "/export/villages.geojson"));
        assert!(heavy(&get, "/tiles/a,b/3/4/5"));
        assert!(heavy(&get, "/api/search"));
        assert!(!heavy(&get, "/tiles/a/3/4/5"));
        assert!(!heavy(&get, "/collections/villages/items/7"));
        assert!(!heavy(&get, "/health"));
        assert!(is_upload(&Method::POST, "/api/layers/x/data"));
    }
}
