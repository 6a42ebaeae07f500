//! Command line and configuration: flags beat environment variables, which beat the
//! configuration file (`nexus.toml`), which beats the defaults.
//!
//! clap turns doc comments into `--help` text, so the argument types are documented by their
//! help (`nexus help COMMAND`) rather than by a second comment on every field.
#![allow(missing_docs, reason = "doc comments here are the --help text clap prints")]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use clap::{Args, Parser, Subcommand};
use serde::Deserialize;

pub use crate::ingest_args::IngestArgs;
pub use crate::serve_args::ServeArgs;

/// Nexus Atlas: the Urban Nexus map service.
#[derive(Debug, Parser)]
#[command(name = "nexus", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Configuration file [default: nexus.toml, when present]
    #[arg(long, global = true, env = "NEXUS_CONFIG")]
    pub config: Option<PathBuf>,
    /// PostgreSQL URL; when unset, the embedded PostGIS under --home is used
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// PostgreSQL URL of the role requests run as (rows only); DATABASE_URL is then the
    /// schema's owner [default: DATABASE_URL does everything]
    #[arg(long, global = true, env = "DATABASE_APP_URL", hide_env_values = true)]
    pub database_app_url: Option<String>,
    /// PostgreSQL URLs of streaming replicas of the database, comma-separated: requests'
    /// reads (tiles, items, exports, summaries) use them, falling back to the primary
    #[arg(long, global = true, env = "DATABASE_READ_URLS", hide_env_values = true, value_delimiter = ',')]
    pub database_read_urls: Vec<String>,
    /// Folder of the embedded PostGIS cluster [default: .nexus]
    #[arg(long, global = true, env = "NEXUS_HOME")]
    pub home: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web map and the API
    Serve(ServeArgs),
    /// Manage the embedded PostGIS cluster
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Load a GIS file into a layer (GeoJSON, Shapefile, GeoPackage, KML/KMZ, CSV, FlatGeobuf)
    Ingest(Box<IngestArgs>),
    /// Export a layer (or `projects`) to GeoJSON, GeoPackage, zipped Shapefile, CSV, KML or FlatGeobuf
    Export(ExportArgs),
    /// Write the public layers' tiles into one PMTiles archive for a static host or CDN
    ExportTiles(ExportTilesArgs),
    /// Write the public atlas (the map, its tiles as PMTiles, the projects as GeoJSON) as a static site
    ExportSite(ExportSiteArgs),
    /// Bring the Nexus overlays (links, intensity grid) up to date now; --full recomputes all
    Overlays {
        /// Recompute everything, not only what changed
        #[arg(long)]
        full: bool,
    },
    /// Pre-render the low-zoom tiles of layers now (the server also does it after changes)
    Prerender {
        /// Layer ids [default: every layer]
        layers: Vec<nexus_core::LayerId>,
        /// Deepest zoom [default: 10]
        #[arg(long, default_value_t = 10)]
        maxzoom: u8,
    },
    /// Load the data folder (cities and every file with a .nexus.toml sidecar) into the database
    Load {
        /// The folder [default: data]
        dir: Option<PathBuf>,
    },
    /// Manage user accounts and their roles per city
    User {
        #[command(subcommand)]
        action: crate::people_args::UserAction,
    },
    /// Manage personal API tokens
    Token {
        #[command(subcommand)]
        action: crate::people_args::TokenAction,
    },
    /// Read the audit trail, newest first
    Audit(crate::people_args::AuditArgs),
    /// Remove deleted projects and layers for good (their history goes; they can no longer be restored)
    Purge,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Layer id, or `projects`
    pub layer: String,
    /// Format: geojson, gpkg, shp (zipped), csv (WKT geometry), kml, fgb [default: from the -o file name]
    #[arg(long)]
    pub format: Option<String>,
    /// Output file ('-' writes GeoJSON to standard output)
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
    /// Only features intersecting this box: minLon,minLat,maxLon,maxLat (WGS 84)
    #[arg(long, allow_hyphen_values = true)]
    pub bbox: Option<String>,
    /// Only features whose time (the layer's first date field; a project's dates) meets
    /// this RFC 3339 instant or interval (`2020-01-01/..`)
    #[arg(long)]
    pub datetime: Option<String>,
    /// Only features with this property value, as KEY=VALUE (repeatable; `city` and `sector`
    /// also match a layer's own city and sectors)
    #[arg(long = "filter", value_name = "KEY=VALUE")]
    pub filters: Vec<String>,
    /// Only the city's features (same as --filter city=CITY)
    #[arg(long)]
    pub city: Option<String>,
    /// Only the sector's features (same as --filter sector=SECTOR)
    #[arg(long)]
    pub sector: Option<String>,
    /// Decimals of GeoJSON coordinates
    #[arg(long, default_value_t = 6)]
    pub precision: u8,
    /// Include draft projects (exports of `projects` hold public ones otherwise)
    #[arg(long)]
    pub drafts: bool,
}

#[derive(Debug, Clone, Subcommand)]
pub enum DbAction {
    /// Create the cluster if needed and start it
    Start,
    /// Stop the cluster
    Stop,
    /// Say whether it runs, where, and which versions
    Status,
    /// Print the connection URL
    Url,
    /// A streaming replica of the embedded cluster on another loopback port, for reads
    /// (DATABASE_READ_URLS)
    Replica {
        #[command(subcommand)]
        action: ReplicaAction,
    },
    /// Write a consistent backup of the atlas (a pg_dump custom-format archive), while it serves
    Backup {
        /// The archive to write (replaced only once complete)
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Restore a backup into an empty database (the embedded cluster or DATABASE_URL)
    Restore {
        /// The archive `nexus db backup` wrote
        file: PathBuf,
        /// Replace everything the database holds
        #[arg(long)]
        force: bool,
    },
}

/// `nexus export-tiles`.
#[derive(Debug, Args)]
pub struct ExportTilesArgs {
    /// Layer ids [default: every public layer]
    pub layers: Vec<nexus_core::LayerId>,
    /// Archive format: pmtiles [default: from the -o file name]
    #[arg(long)]
    pub format: Option<String>,
    /// Deepest zoom in the archive (maps zoom in further on the deepest tiles)
    #[arg(long, default_value_t = 14)]
    pub maxzoom: u8,
    /// The archive to write (replaced only once the new one is complete)
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
}

/// `nexus export-site`.
#[derive(Debug, Args)]
pub struct ExportSiteArgs {
    /// The folder to write (new, empty, or an earlier export, which is replaced when the new one is complete)
    pub dir: PathBuf,
    /// Deepest zoom of the tiles (the map zooms in further on the deepest ones)
    #[arg(long, default_value_t = 14)]
    pub maxzoom: u8,
    /// The web map's build [env: NEXUS_WEB_DIR] [default: web/dist]
    #[arg(long, env = "NEXUS_WEB_DIR")]
    pub web_dir: Option<PathBuf>,
}

/// `nexus db replica …`.
#[derive(Debug, Clone, Copy, Subcommand)]
pub enum ReplicaAction {
    /// Create it if needed (a base backup of the running cluster) and start it; prints its URL
    Start,
    /// Stop it
    Stop,
    /// Say whether it runs, where, and its URL
    Status,
}

/// `nexus.toml`: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub bind: Option<SocketAddr>,
    pub database_url: Option<String>,
    pub database_app_url: Option<String>,
    pub read_urls: Option<Vec<String>>,
    pub home: Option<PathBuf>,
    pub web_dir: Option<PathBuf>,
    pub pool_size: Option<usize>,
    pub pool_reserve: Option<usize>,
    pub statement_timeout_ms: Option<u64>,
    pub lock_timeout_ms: Option<u64>,
    pub idle_in_transaction_timeout_s: Option<u64>,
    pub layer_history: Option<u32>,
    pub planner_token: Option<String>,
    pub max_upload_mb: Option<u64>,
    pub max_uncompressed_mb: Option<u64>,
    pub public_url: Option<String>,
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,
    pub basemap: Option<String>,
    pub basemap_attribution: Option<String>,
    pub font_dirs: Option<Vec<PathBuf>>,
    pub tile_cache_mb: Option<u64>,
    pub page_cache_mb: Option<u64>,
    pub max_exports: Option<usize>,
    pub prerender_maxzoom: Option<i16>,
    pub header_timeout_s: Option<u64>,
    pub request_timeout_s: Option<u64>,
    pub upload_timeout_s: Option<u64>,
    pub max_heavy_per_client: Option<usize>,
    pub comments_per_minute: Option<i64>,
    pub comments_per_hour: Option<i64>,
}

/// The resolved settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: Option<String>,
    /// The role requests run as, with an external database.
    pub database_app_url: Option<String>,
    /// Streaming replicas for requests' reads.
    pub read_urls: Vec<String>,
    pub home: PathBuf,
    pub pool_size: usize,
    /// Connections kept for writes and health checks.
    pub pool_reserve: usize,
    /// Time budgets of pooled connections.
    pub budgets: nexus_store::Budgets,
    /// Earlier data revisions each layer keeps for restore.
    pub layer_history: u32,
}

impl FileConfig {
    /// Reads the file named by `--config`, or `nexus.toml` when it exists.
    pub fn load(explicit: Option<&Path>) -> anyhow::Result<FileConfig> {
        let (path, required) = match explicit {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("nexus.toml"), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(FileConfig::default()),
            Err(e) => return Err(anyhow!("cannot read the configuration file {} ({e})", path.display())),
        };
        toml::from_str(&text).map_err(|e| {
            let line = e.span().map_or(1, |s| text[..s.start.min(text.len())].lines().count().max(1));
            anyhow!("the configuration file {} is not valid (line {line}: {})", path.display(), e.message().trim())
        })
    }
}

impl Settings {
    pub fn resolve(global: &GlobalArgs, file: &FileConfig) -> Settings {
        Settings {
            database_url: global.database_url.clone().filter(|u| !u.is_empty()).or_else(|| file.database_url.clone()),
            database_app_url: global
                .database_app_url
                .clone()
                .filter(|u| !u.is_empty())
                .or_else(|| file.database_app_url.clone()),
            read_urls: Some(global.database_read_urls.clone())
                .filter(|u| !u.is_empty())
                .or_else(|| file.read_urls.clone())
                .unwrap_or_default()
                .into_iter()
                .map(|u| u.trim().to_owned())
                .filter(|u| !u.is_empty())
                .collect(),
            home: global.home.clone().or_else(|| file.home.clone()).unwrap_or_else(|| PathBuf::from(".nexus")),
            pool_size: file.pool_size.unwrap_or(16),
            pool_reserve: file.pool_reserve.unwrap_or(4),
            budgets: {
                let d = nexus_store::Budgets::default();
                let ms = std::time::Duration::from_millis;
                nexus_store::Budgets {
                    statement: file.statement_timeout_ms.map_or(d.statement, ms),
                    lock: file.lock_timeout_ms.map_or(d.lock, ms),
                    idle_in_transaction: file
                        .idle_in_transaction_timeout_s
                        .map_or(d.idle_in_transaction, std::time::Duration::from_secs),
                }
            },
            layer_history: std::env::var("NEXUS_LAYER_HISTORY")
                .ok()
                .and_then(|v| v.parse().ok())
                .or(file.layer_history)
                .unwrap_or(nexus_store::DEFAULT_LAYER_HISTORY),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_the_file_which_beats_defaults() {
        let file: FileConfig = toml::from_str(
            "home = \"/srv/nexus\"\ndatabase_url = \"postgres://f/db\"\npool_size = 4\nread_urls = [\"postgres://r1/db\"]",
        )
        .unwrap();
        let none = GlobalArgs {
            config: None,
            database_url: None,
            database_app_url: None,
            database_read_urls: vec![],
            home: None,
        };
        let s = Settings::resolve(&none, &file);
        assert_eq!(s.home, PathBuf::from("/srv/nexus"));
        assert_eq!(s.database_url.as_deref(), Some("postgres://f/db"));
        assert_eq!(s.pool_size, 4);
        assert_eq!(s.read_urls, ["postgres://r1/db"]);
        let flags = GlobalArgs {
            config: None,
            database_url: Some("postgres://flag/db".into()),
            database_app_url: None,
            database_read_urls: vec!["postgres://r2/db".into(), " ".into()],
            home: Some("h".into()),
        };
        let s = Settings::resolve(&flags, &file);
        assert_eq!(s.read_urls, ["postgres://r2/db"], "the flag or DATABASE_READ_URLS beats the file");
        assert_eq!(s.home, PathBuf::from("h"));
        assert_eq!(s.database_url.as_deref(), Some("postgres://flag/db"));
        let s = Settings::resolve(&none, &FileConfig::default());
        assert_eq!((s.home, s.database_url, s.pool_size), (PathBuf::from(".nexus"), None, 16));
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<FileConfig>("bnid = \"127.0.0.1:1\"").is_err());
    }

    #[test]
    fn cli_parses() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from(["nexus", "serve", "--bind", "0.0.0.0:9000"]).unwrap();
        let Command::Serve(args) = cli.command else { panic!() };
        assert_eq!(args.bind.unwrap().port(), 9000);
    }
}
