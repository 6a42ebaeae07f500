//! Nexus Atlas over HTTP: the axum application.
//!
//! [`app`] builds the whole router from an [`AppState`]; it binds no socket, so tests drive
//! it with `tower::ServiceExt::oneshot` and the CLI serves it with [`serve`]. Only this
//! crate knows HTTP status codes and the JSON error shape (see [`error`]). The services it
//! calls (tiles, the Nexus worker, ingest and export) live in `nexus-service`; GIS files come
//! through the door the binary hands it, so this crate never links GDAL.

mod auth;
mod cors;
mod edge;
pub mod error;
mod limits;
mod links;
pub mod ogc;
mod replica_reads;
mod routes;
mod shares;
pub mod site;
mod state;
pub mod tiles;
mod web;

use std::future::Future;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

pub use routes::session_answer::{SessionAnswer, SessionRole, SessionUser};
pub use routes::settings::Settings;
pub use shares::HttpLimits;
pub use state::{AppState, Basemap, ServerConfig};

/// Request ids for the audit trail and logs: the client's `X-Request-Id` when it sends one,
/// else this process's random prefix and a counter.
#[derive(Clone)]
struct RequestIds(std::sync::Arc<(String, std::sync::atomic::AtomicU64)>);

impl tower_http::request_id::MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<tower_http::request_id::RequestId> {
        let n = self.0 .1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        axum::http::HeaderValue::from_str(&format!("{}-{n}", self.0 .0)).ok().map(Into::into)
    }
}

/// The complete application: API routes, health, and the web map as the fallback.
pub fn app(state: AppState) -> Router {
    let web = web::service(&state.config.web_dir, state.clone());
    Router::new()
        .merge(routes::health::router())
        .merge(tiles::router())
        .merge(ogc::router())
        .merge(routes::export::router())
        .merge(routes::fonts::router())
        .merge(routes::sheet::router())
        .merge(routes::share::router())
        .route("/", axum::routing::get(web::landing))
        .nest("/api", routes::api_router(state.config.max_upload_bytes))
        .fallback(web)
        .layer(axum::middleware::from_fn_with_state(state.clone(), replica_reads::replica_reads))
        .layer(axum::middleware::from_fn_with_state(state.clone(), limits::budget))
        .layer(axum::middleware::from_fn_with_state(state.clone(), edge::edge))
        .layer(TraceLayer::new_for_http())
        .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id())
        .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(RequestIds(std::sync::Arc::new((
            nexus_service::accounts::secrets::random()[..8].to_owned(),
            std::sync::atomic::AtomicU64::new(1),
        )))))
        .layer(axum::middleware::from_fn(cors::cors))
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` completes, then lets requests in flight
/// finish (up to 10 s). A client that does not send a request's headers within
/// `header_timeout` is disconnected, so idle or trickling sockets cannot pile up.
///
/// # Errors
/// Never for a failed accept (those are logged and retried); the result is for the caller's
/// convenience.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    header_timeout: Duration,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(header_timeout);
    builder.http2().timer(TokioTimer::new()).keep_alive_interval(Some(Duration::from_secs(30)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait for some to be freed.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        // The peer address is what throttling and the audit trail know a client by.
        let service = hyper::service::service_fn(move |mut req: axum::extract::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            tower::ServiceExt::oneshot(app.clone(), req)
        });
        let builder = builder.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            // hyper's header timeout starts at a request's first byte; a socket that never
            // sends one is closed here.
            let mut first = [0u8; 1];
            if !matches!(tokio::time::timeout(header_timeout, stream.peek(&mut first)).await, Ok(Ok(1..))) {
                return;
            }
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            if let Err(e) = watcher.watch(conn.into_owned()).await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => {
            tracing::warn!("requests still running 10 s after shutdown began; stopping anyway");
        }
    }
    Ok(())
}
