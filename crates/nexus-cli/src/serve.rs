//! `nexus serve`: listen first (a taken port is the cheapest mistake to report), then open
//! the database, then serve until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::anyhow;
use nexus_server::{AppState, ServerConfig};

use crate::config::{FileConfig, ServeArgs, Settings};
use crate::database;

const DEFAULT_BIND: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8080);

/// `nexus serve`.
///
/// # Errors
/// When the address is taken, the database cannot be opened, or the server fails.
pub async fn run(settings: &Settings, file: &FileConfig, args: ServeArgs) -> anyhow::Result<()> {
    let bind: SocketAddr = args.bind.or(file.bind).unwrap_or(DEFAULT_BIND);
    let web_dir = args.web_dir.or_else(|| file.web_dir.clone()).unwrap_or_else(|| PathBuf::from("web/dist"));

    let listener = tokio::net::TcpListener::bind(bind).await.map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
            "stop the program using it or choose another address with --bind or NEXUS_BIND"
        } else {
            "choose another address with --bind or NEXUS_BIND"
        };
        anyhow!("cannot listen on {bind} ({e}); {hint}")
    })?;
    let store = database::open(settings).await?;
    if !store.has_users().await? {
        tracing::info!(
            "no accounts yet: create the first site admin with `nexus user add you@example.org --admin --password-stdin`"
        );
    }
    let (role, superuser) = store.runs_as().await?;
    if superuser {
        tracing::warn!(
            role,
            "requests run as a superuser; give them a role that may only read and write rows (DATABASE_APP_URL, README: Least privilege)"
        );
    }
    let addr = listener.local_addr()?;
    tracing::info!(database = store.target(), "Nexus Atlas listening on http://{addr}");
    let mut config = ServerConfig::new(web_dir);
    config.planner_token = args.planner_token.or_else(|| file.planner_token.clone()).filter(|t| !t.is_empty());
    config.max_upload_bytes = args.max_upload_mb.or(file.max_upload_mb).unwrap_or(256).saturating_mul(1 << 20);
    config.max_uncompressed_bytes =
        args.max_uncompressed_mb.or(file.max_uncompressed_mb).unwrap_or(2048).saturating_mul(1 << 20);
    if config.planner_token.is_some() {
        tracing::info!(
            "the legacy planner token acts as a site admin; accounts and personal tokens are the way for people"
        );
    }
    config.public_url = args.public_url.or_else(|| file.public_url.clone());
    config.trusted_proxies = if args.trusted_proxies.is_empty() {
        file.trusted_proxies.clone().unwrap_or_default()
    } else {
        args.trusted_proxies
    };
    if let Some(url) = args.basemap.or_else(|| file.basemap.clone()).filter(|u| !u.is_empty()) {
        let ok = (url.starts_with("https://") || url.starts_with("http://"))
            && ["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p));
        if !ok {
            anyhow::bail!("basemap '{url}' is not an http(s) XYZ tile URL with {{z}}, {{x}} and {{y}}");
        }
        config.basemap = Some(nexus_server::Basemap {
            url,
            attribution: args.basemap_attribution.or_else(|| file.basemap_attribution.clone()).unwrap_or_default(),
        });
    }
    if !args.font_dirs.is_empty() {
        config.font_dirs = args.font_dirs;
    } else if let Some(dirs) = file.font_dirs.clone() {
        config.font_dirs = dirs;
    }
    if let Some(n) = args.max_exports.or(file.max_exports) {
        config.max_exports = n.max(1);
    }
    if let Some(mb) = args.tile_cache_mb.or(file.tile_cache_mb) {
        config.tiles.cache_bytes = mb.saturating_mul(1 << 20);
    }
    if let Some(mb) = args.page_cache_mb.or(file.page_cache_mb) {
        config.page_cache_bytes = mb.saturating_mul(1 << 20);
    }
    if let Some(z) = args.prerender_maxzoom.or(file.prerender_maxzoom) {
        config.tiles.prerender_maxzoom = (z >= 0).then(|| u8::try_from(z.min(14)).unwrap_or(10));
    }
    let secs = |flag: Option<u64>, key: Option<u64>, default: std::time::Duration| {
        flag.or(key).map_or(default, |s| std::time::Duration::from_secs(s.max(1)))
    };
    let http = &mut config.http;
    http.header_timeout = secs(args.header_timeout_s, file.header_timeout_s, http.header_timeout);
    http.request_timeout = secs(args.request_timeout_s, file.request_timeout_s, http.request_timeout);
    http.upload_timeout = secs(args.upload_timeout_s, file.upload_timeout_s, http.upload_timeout);
    http.heavy_per_client = args.max_heavy_per_client.or(file.max_heavy_per_client).unwrap_or(http.heavy_per_client);
    http.comments_per_minute = file.comments_per_minute.unwrap_or(http.comments_per_minute).max(1);
    http.comments_per_hour = file.comments_per_hour.unwrap_or(http.comments_per_hour).max(1);
    let header_timeout = http.header_timeout;
    let state = AppState::start(store, config, std::sync::Arc::new(nexus_ingest::Gdal)).await?;
    let app = nexus_server::app(state);
    nexus_server::serve(listener, app, shutdown_signal(), header_timeout).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch SIGTERM; only Ctrl-C stops the server");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutting down");
}
