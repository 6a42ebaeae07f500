//! What every handler can reach.

use std::path::PathBuf;
use std::sync::Arc;

use nexus_service::accounts::{Accounts, SessionSettings};
use nexus_service::gis::GisFiles;
use nexus_service::glyphs::Glyphs;
use nexus_service::pages::PageCache;
use nexus_service::tiles::Tiles;
use nexus_store::{Store, StoreError};

/// Settings of the HTTP application.
#[derive(Clone)]
pub struct ServerConfig {
    /// Folder of the built web map (`web/dist`).
    pub web_dir: PathBuf,
    /// The legacy shared bearer token: it acts as a site admin (accounts and personal tokens
    /// are the way for people; this keeps old scripts working).
    pub planner_token: Option<String>,
    /// How long sign-in sessions live.
    pub sessions: SessionSettings,
    /// Largest upload accepted, in bytes.
    pub max_upload_bytes: u64,
    /// Most bytes a compressed upload (`.gz`, zip, KMZ) may expand to, counted as it expands.
    pub max_uncompressed_bytes: u64,
    /// The public base URL (`https://atlas.example.org`), when a proxy hides it.
    pub public_url: Option<String>,
    /// Addresses of the reverse proxies whose `X-Forwarded-*` headers are believed; from
    /// anyone else they are dropped.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Tile cache and pre-rendering.
    pub tiles: nexus_service::tiles::TileSettings,
    /// Bytes of encoded items pages of public layers kept in memory.
    pub page_cache_bytes: u64,
    /// Downloads served at once; each holds a database connection while it streams, so a few
    /// slow clients must not take the pool from tiles and the API.
    pub max_exports: usize,
    /// Keep the Nexus overlays current (at start and after every change).
    pub nexus_overlays: bool,
    /// A raster basemap the web map draws under the atlas (none: the map needs nothing
    /// from outside).
    pub basemap: Option<Basemap>,
    /// Deadlines and per-client shares at the edge.
    pub http: crate::shares::HttpLimits,
    /// Folders searched for the label fonts (`nexus_service::glyphs::STACKS`).
    pub font_dirs: Vec<PathBuf>,
}

/// An XYZ raster basemap.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct Basemap {
    /// `https://…/{z}/{x}/{y}.png`
    pub url: String,
    /// Who to credit under the map.
    pub attribution: String,
}

impl ServerConfig {
    /// Defaults: no planner token, 256 MiB uploads.
    pub fn new(web_dir: impl Into<PathBuf>) -> Self {
        ServerConfig {
            web_dir: web_dir.into(),
            planner_token: None,
            sessions: SessionSettings::default(),
            max_upload_bytes: 256 << 20,
            max_uncompressed_bytes: 2 << 30,
            public_url: None,
            trusted_proxies: Vec::new(),
            tiles: nexus_service::tiles::TileSettings::default(),
            page_cache_bytes: 256 << 20,
            max_exports: 4,
            nexus_overlays: true,
            basemap: None,
            http: crate::shares::HttpLimits::default(),
            font_dirs: nexus_service::glyphs::DEFAULT_DIRS.iter().map(PathBuf::from).collect(),
        }
    }
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("web_dir", &self.web_dir)
            .field("planner_token", &self.planner_token.as_ref().map(|_| "***"))
            .field("sessions", &self.sessions)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("max_uncompressed_bytes", &self.max_uncompressed_bytes)
            .field("public_url", &self.public_url)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("tiles", &self.tiles)
            .field("page_cache_bytes", &self.page_cache_bytes)
            .field("max_exports", &self.max_exports)
            .field("nexus_overlays", &self.nexus_overlays)
            .field("basemap", &self.basemap)
            .field("http", &self.http)
            .field("font_dirs", &self.font_dirs)
            .finish()
    }
}

/// Shared state of the application. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Settings.
    pub config: Arc<ServerConfig>,
    /// Vector tiles: catalog, cache, pre-rendering.
    pub tiles: Arc<Tiles>,
    /// Permits for downloads in progress (`ServerConfig::max_exports`).
    pub exports: Arc<tokio::sync::Semaphore>,
    /// The door to GIS files (uploads, downloads in formats other than GeoJSON).
    pub gis: Arc<dyn GisFiles>,
    /// Who is who: sessions, tokens, users and roles.
    pub accounts: Arc<Accounts>,
    /// Heavy requests in progress per client address.
    pub in_flight: Arc<crate::shares::InFlight>,
    /// The glyphs of the map's labels.
    pub glyphs: Arc<Glyphs>,
    /// Items pages of public layers, encoded, until their layer's next revision.
    pub pages: PageCache,
}

impl AppState {
    /// Bundles a store, settings and the door to GIS files, and starts the background work
    /// that keeps tiles current (change listener, pre-renderer).
    ///
    /// # Errors
    /// When the layer catalog cannot be read.
    pub async fn start(store: Store, config: ServerConfig, gis: Arc<dyn GisFiles>) -> Result<Self, StoreError> {
        let tiles = Tiles::start(store.clone(), config.tiles).await?;
        if config.nexus_overlays {
            nexus_service::nexus_worker::start(store.clone());
        }
        let exports = Arc::new(tokio::sync::Semaphore::new(config.max_exports.max(1)));
        let accounts = Accounts::start(&store, config.planner_token.clone(), config.sessions);
        let in_flight = Arc::default();
        let glyphs = Arc::new(Glyphs::load(&config.font_dirs));
        let pages = PageCache::new(config.page_cache_bytes);
        Ok(AppState { store, config: Arc::new(config), tiles, exports, gis, accounts, in_flight, glyphs, pages })
    }
}
