//! `nexus export-site DIR [--maxzoom Z]`: the public atlas as a static site. It runs the
//! server's own routes in-process (no port is opened) with no background work: nothing is
//! pre-rendered or recomputed while the snapshot is taken.

use std::io::Write;
use std::path::PathBuf;

use nexus_server::site::{self, ARCHIVE, PROJECTS};
use nexus_server::{AppState, ServerConfig};
use nexus_service::snapshot::LayerTiles;

use crate::config::{ExportSiteArgs, FileConfig, Settings};
use crate::database;

/// `nexus export-site DIR`.
///
/// # Errors
/// When the database fails or DIR cannot be written.
pub async fn run(settings: &Settings, file: &FileConfig, args: ExportSiteArgs) -> anyhow::Result<()> {
    crate::export_tiles::check_maxzoom(args.maxzoom)?;
    let web_dir = args.web_dir.or_else(|| file.web_dir.clone()).unwrap_or_else(|| PathBuf::from("web/dist"));
    let store = database::open(settings).await?;
    let mut config = ServerConfig::new(web_dir);
    config.nexus_overlays = false;
    config.tiles.prerender_maxzoom = None;
    if let Some(dirs) = file.font_dirs.clone() {
        config.font_dirs = dirs;
    }
    let state = AppState::start(store, config, std::sync::Arc::new(nexus_ingest::Gdal)).await?;
    let mut said = |part: &LayerTiles| {
        let _ = writeln!(std::io::stdout(), "{}: {} tiles in {:.1} s", part.id, part.tiles, part.elapsed.as_secs_f64());
    };
    let report =
        site::export_site(&state, nexus_server::app(state.clone()), &args.dir, args.maxzoom, &mut said).await?;
    writeln!(
        std::io::stdout(),
        "{}: {} files, {:.1} MB: the map, {ARCHIVE} ({} tiles, zooms {}-{}), {PROJECTS} ({} projects), {} cities",
        args.dir.display(),
        report.files,
        report.bytes as f64 / 1e6,
        report.archive.tiles,
        report.archive.minzoom,
        report.archive.maxzoom,
        report.projects,
        report.cities,
    )?;
    Ok(())
}
