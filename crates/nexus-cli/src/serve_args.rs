//! The flags of `nexus serve` (each also an environment variable and a `nexus.toml` key; see
//! the README's configuration table).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

/// `nexus serve`'s flags.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "NEXUS_BIND")]
    pub bind: Option<SocketAddr>,
    /// Folder of the built web map [default: web/dist]
    #[arg(long, env = "NEXUS_WEB_DIR")]
    pub web_dir: Option<PathBuf>,
    /// Legacy shared bearer token acting as a site admin (prefer accounts: nexus user add) [default: none]
    #[arg(long, env = "NEXUS_PLANNER_TOKEN", hide_env_values = true)]
    pub planner_token: Option<String>,
    /// Largest upload accepted, in MiB [default: 256]
    #[arg(long, env = "NEXUS_MAX_UPLOAD_MB")]
    pub max_upload_mb: Option<u64>,
    /// Most a compressed upload (.gz, zip, KMZ) may expand to, in MiB [default: 2048]
    #[arg(long, env = "NEXUS_MAX_UNCOMPRESSED_MB")]
    pub max_uncompressed_mb: Option<u64>,
    /// Public base URL used in TileJSON and links, when behind a proxy [default: from the request]
    #[arg(long, env = "NEXUS_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Address of a reverse proxy whose X-Forwarded-* headers are believed (repeatable, or
    /// comma-separated) [default: none; the headers are dropped]
    #[arg(long = "trusted-proxy", env = "NEXUS_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Raster basemap under the map, an XYZ URL with {z}/{x}/{y} [default: none, the map is offline]
    #[arg(long, env = "NEXUS_BASEMAP")]
    pub basemap: Option<String>,
    /// Attribution shown for --basemap, e.g. "© OpenStreetMap contributors"
    #[arg(long, env = "NEXUS_BASEMAP_ATTRIBUTION")]
    pub basemap_attribution: Option<String>,
    /// Folder searched for the label fonts DejaVuSans.ttf and Loma.ttf (repeatable, or
    /// colon-separated) [default: Debian's /usr/share/fonts/truetype/dejavu and …/tlwg]
    #[arg(long = "font-dir", env = "NEXUS_FONT_DIRS", value_delimiter = ':')]
    pub font_dirs: Vec<PathBuf>,
    /// Memory for cached tiles, in MiB [default: 256]
    #[arg(long, env = "NEXUS_TILE_CACHE_MB")]
    pub tile_cache_mb: Option<u64>,
    /// Memory for encoded items pages of public layers, in MiB [default: 256]
    #[arg(long, env = "NEXUS_PAGE_CACHE_MB")]
    pub page_cache_mb: Option<u64>,
    /// Downloads (/export/…) served at once; more get 429 [default: 4]
    #[arg(long, env = "NEXUS_MAX_EXPORTS")]
    pub max_exports: Option<usize>,
    /// Deepest zoom pre-rendered after each change; -1 turns pre-rendering off [default: 10]
    #[arg(long, env = "NEXUS_PRERENDER_MAXZOOM", allow_hyphen_values = true)]
    pub prerender_maxzoom: Option<i16>,
    /// Seconds a client has to send a request's headers before it is disconnected [default: 10]
    #[arg(long, env = "NEXUS_HEADER_TIMEOUT_S")]
    pub header_timeout_s: Option<u64>,
    /// Seconds a request may take before it is answered 408 [default: 60]
    #[arg(long, env = "NEXUS_REQUEST_TIMEOUT_S")]
    pub request_timeout_s: Option<u64>,
    /// Seconds an upload (sending and ingesting the file) may take [default: 900]
    #[arg(long, env = "NEXUS_UPLOAD_TIMEOUT_S")]
    pub upload_timeout_s: Option<u64>,
    /// Heavy requests (what-if, items, search, composite tiles, downloads) one client address
    /// may have in progress; more get 429; 0 turns the limit off [default: 16]
    #[arg(long, env = "NEXUS_MAX_HEAVY_PER_CLIENT")]
    pub max_heavy_per_client: Option<usize>,
}
