//! The settings and bookkeeping of the edge's budgets (see `limits`): deadlines, and the
//! heavy requests each client address has in progress.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Deadlines and shares (see `ServerConfig`).
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// A client must send a request's headers within this, or the connection is closed.
    pub header_timeout: Duration,
    /// A request must be answered (its response head sent) within this, or it gets 408.
    pub request_timeout: Duration,
    /// The same for uploads, which carry a file and are ingested before the answer.
    pub upload_timeout: Duration,
    /// Heavy requests one client address may have in progress at once; more get 429 (0: no
    /// limit).
    pub heavy_per_client: usize,
    /// Comments one client address may send in a minute, and in an hour.
    pub comments_per_minute: i64,
    /// See `comments_per_minute`.
    pub comments_per_hour: i64,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            upload_timeout: Duration::from_secs(15 * 60),
            heavy_per_client: 16,
            comments_per_minute: 5,
            comments_per_hour: 30,
        }
    }
}

/// Heavy requests in progress, per client address.
#[derive(Debug, Default)]
pub struct InFlight(Mutex<HashMap<IpAddr, usize>>);

/// One heavy request in progress; leaving it frees the client's share.
pub(crate) struct Slot(Arc<InFlight>, IpAddr);

/// A response body that holds its request's share until it is sent or dropped (a download
/// is heavy for as long as it streams).
pub(crate) struct Held {
    body: axum::body::Body,
    _slot: Slot,
}

impl Held {
    pub(crate) fn new(body: axum::body::Body, slot: Slot) -> Self {
        Held { body, _slot: slot }
    }
}

impl http_body::Body for Held {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

impl InFlight {
    pub(crate) fn enter(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<Slot> {
        let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = map.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Slot(Arc::clone(self), ip))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = self.0 .0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.1) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_counted_and_given_back() {
        let f = Arc::new(InFlight::default());
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let a = f.enter(ip, 2).unwrap();
        let _b = f.enter(ip, 2).unwrap();
        assert!(f.enter(ip, 2).is_none());
        assert!(f.enter("192.0.2.8".parse().unwrap(), 2).is_some(), "another client has its own share");
        drop(a);
        assert!(f.enter(ip, 2).is_some());
    }
}
