//! `nexus export` to GeoPackage, Shapefile, CSV, KML and FlatGeobuf: the store's GeoJSON
//! stream converted by GDAL (GeoJSON itself is written by `crate::export`).

use std::sync::Arc;
use std::time::Instant;

use crate::config::{ExportArgs, Settings};
use crate::database;
use crate::export::{format_of, summary, Bar, Target};
use anyhow::Context;
use nexus_core::ExportFormat;
use nexus_ingest::{ExportJob, Progress};

/// The shared bar, as the progress GDAL's side reports to.
struct Shown(Bar);

impl Progress for Shown {
    fn start(&self, total: Option<u64>) {
        self.0.start(total);
    }
    fn update(&self, done: u64) {
        self.0.update(done);
    }
    fn stage(&self, what: &str) {
        self.0.stage(what);
    }
    fn finish(&self) {
        self.0.finish();
    }
}

/// `nexus export`: GeoJSON by `export::run_geojson`, the other formats through GDAL.
///
/// # Errors
/// When the layer, a filter or the output is wrong, GDAL cannot be loaded, or the database fails.
pub async fn run(settings: &Settings, args: ExportArgs) -> anyhow::Result<()> {
    let format = format_of(&args)?;
    if format == ExportFormat::GeoJson {
        return crate::export::run_geojson(settings, args).await;
    }
    if args.output == std::path::Path::new("-") {
        anyhow::bail!("only GeoJSON can go to standard output; give -o FILE for {}", format.label());
    }
    let started = Instant::now();
    let store = database::open(settings).await?;
    let target = Target::resolve(&store, &args).await?;
    let job = ExportJob { name: &args.layer, filter: &target.query.filter, precision: target.query.precision, format };
    let shown = Arc::new(Shown(Bar::new()));
    let bytes =
        nexus_ingest::export(&store, target.collection(), &job, &args.output, Arc::clone(&shown) as Arc<dyn Progress>)
            .await
            .with_context(|| format!("exporting {} to {}", args.layer, args.output.display()))?;
    summary(&args, format, shown.0.features(), bytes, started)
}
