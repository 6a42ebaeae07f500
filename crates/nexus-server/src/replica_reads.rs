//! Read-your-writes when reads go to streaming replicas: a request that changes something
//! reads from the primary, and its answer carries the primary's WAL position after the change
//! (`Nexus-WAL` and the `nexus_wal` cookie); a later request that brings that position back
//! (the cookie, or `Nexus-Read-After` from an API client) reads only from a replica that has
//! replayed that far, else from the primary. Any instance can serve it: the position travels
//! with the client, not in a server's memory.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use nexus_store::replicas::{reading_after, reading_primary};

use crate::state::AppState;

/// The cookie a browser brings back.
const COOKIE: &str = "nexus_wal";
/// The header an API client brings back.
const READ_AFTER: &str = "nexus-read-after";
/// Replicas replay in milliseconds; a minute covers a lagging one without pinning the client
/// to the primary for long.
const COOKIE_MAX_AGE_S: u32 = 60;

/// The WAL position the request asks its reads to see, if any.
fn wanted(req: &Request) -> Option<u64> {
    let h = req.headers();
    if let Some(v) = h.get(READ_AFTER).and_then(|v| v.to_str().ok()) {
        return v.trim().parse().ok();
    }
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('='))
        .filter_map(|v| v.parse::<u64>().ok())
        .max()
}

pub(crate) async fn replica_reads(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !state.store.has_replicas() {
        return next.run(req).await;
    }
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return match wanted(&req) {
            Some(lsn) => reading_after(lsn, next.run(req)).await,
            None => next.run(req).await,
        };
    }
    let mut res = reading_primary(next.run(req)).await;
    if res.status().is_success() {
        match state.store.wal_position().await {
            Ok(lsn) => {
                let h = res.headers_mut();
                h.insert("nexus-wal", HeaderValue::from(lsn));
                let cookie = format!("{COOKIE}={lsn}; Path=/; Max-Age={COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Lax");
                if let Ok(v) = HeaderValue::from_str(&cookie) {
                    h.append(header::SET_COOKIE, v);
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the WAL position after a write"),
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)]) -> Request {
        let mut b = Request::builder().uri("/collections/x/items");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn the_position_comes_from_the_header_or_the_cookie() {
        assert_eq!(wanted(&request(&[])), None);
        assert_eq!(wanted(&request(&[("cookie", "nexus_session=abc; nexus_wal=4242")])), Some(4242));
        assert_eq!(wanted(&request(&[("cookie", "nexus_wal=1"), ("cookie", "nexus_wal=9")])), Some(9));
        assert_eq!(wanted(&request(&[("nexus-read-after", "77"), ("cookie", "nexus_wal=9")])), Some(77));
        assert_eq!(wanted(&request(&[("cookie", "nexus_walrus=5; nexus_wal=x")])), None);
    }
}
