//! `nexus export-tiles [LAYER…] --format pmtiles --maxzoom Z -o atlas.pmtiles`: the public
//! layers' tiles in one file that a static host or CDN serves without this program.

use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, bail};
use nexus_core::{DraftScope, Layer, LayerId, Visibility};
use nexus_service::snapshot::{self, LayerTiles, MAX_ARCHIVE_ZOOM};
use nexus_store::Store;

use crate::config::{ExportTilesArgs, Settings};
use crate::database;

/// Checks the arguments before the database is asked anything.
fn check(args: &ExportTilesArgs) -> anyhow::Result<()> {
    let named = args.output.file_name().map(|f| f.to_string_lossy().to_lowercase()).unwrap_or_default();
    match args.format.as_deref().map(str::to_lowercase) {
        Some(f) if f == "pmtiles" => {}
        Some(f) => bail!("unknown tile format '{f}'; export-tiles writes pmtiles"),
        None if named.ends_with(".pmtiles") => {}
        None => bail!("say --format pmtiles (the name '{named}' does not tell)"),
    }
    if args.output == Path::new("-") {
        bail!("a PMTiles archive cannot go to standard output; name a file with -o");
    }
    check_maxzoom(args.maxzoom)
}

/// Refuses an archive deeper than [`MAX_ARCHIVE_ZOOM`] (`export-tiles`, `export-site`).
///
/// # Errors
/// When `maxzoom` is too deep, saying how deep it may be.
pub fn check_maxzoom(maxzoom: u8) -> anyhow::Result<()> {
    if maxzoom > MAX_ARCHIVE_ZOOM {
        bail!(
            "--maxzoom {maxzoom} is too deep; at most {MAX_ARCHIVE_ZOOM} (maps zoom in further on the deepest tiles)"
        );
    }
    Ok(())
}

/// The layers to export: those named, each public, or every public layer.
async fn chosen(store: &Store, names: &[LayerId]) -> anyhow::Result<Vec<Layer>> {
    if names.is_empty() {
        return Ok(store.layers(&DraftScope::None).await?);
    }
    let mut layers = Vec::with_capacity(names.len());
    for id in names {
        if id.as_str() == nexus_store::PROJECTS_TILES {
            bail!("the projects are not in the tile archive; `nexus export projects -o projects.geojson` writes them");
        }
        let layer = store.layer(id).await?.ok_or_else(|| anyhow!("no layer '{id}'"))?;
        if layer.visibility != Visibility::Public {
            bail!("layer '{id}' is a draft: only public layers are exported (publish it first)");
        }
        if !layers.iter().any(|l: &Layer| l.id == layer.id) {
            layers.push(layer);
        }
    }
    Ok(layers)
}

/// Runs `nexus export-tiles`.
///
/// # Errors
/// Bad arguments, a missing or draft layer, a database or file failure.
pub async fn run(settings: &Settings, args: ExportTilesArgs) -> anyhow::Result<()> {
    check(&args)?;
    let store = database::open(settings).await?;
    let layers = chosen(&store, &args.layers).await?;
    if layers.is_empty() {
        bail!("there is no public layer to export");
    }
    let mut said = |part: &LayerTiles| {
        let _ = writeln!(std::io::stdout(), "{}: {} tiles in {:.1} s", part.id, part.tiles, part.elapsed.as_secs_f64());
    };
    let report = snapshot::write_pmtiles(&store, &layers, args.maxzoom, &args.output, &mut said).await?;
    writeln!(
        std::io::stdout(),
        "{}: {} tiles ({} stored, identical ones once), {} layers, zooms {}-{}, {:.1} MB",
        args.output.display(),
        report.tiles,
        report.stored,
        report.layers.iter().filter(|l| l.tiles > 0).count(),
        report.minzoom,
        report.maxzoom,
        report.bytes as f64 / 1e6
    )?;
    Ok(())
}
