//! Exports of a collection to a file: GeoJSON straight from the store's stream, any other
//! format through the [`GisFiles`] door from a GeoJSON staged at full precision.

use std::path::Path;
use std::sync::Arc;

use nexus_core::{ExportFormat, FeatureFilter};
use nexus_store::{Collection, Store};

use super::door::{Conversion, GisFiles};
use super::error::IngestError;
use super::progress::Progress;

/// What to export, and how.
#[derive(Debug, Clone, Copy)]
pub struct ExportJob<'a> {
    /// The layer's name inside the file (and the file's stem for shapefile parts).
    pub name: &'a str,
    /// Which features.
    pub filter: &'a FeatureFilter,
    /// Decimals of GeoJSON coordinates (other formats get full precision).
    pub precision: u8,
    /// The format.
    pub format: ExportFormat,
}

/// Exports `c` to `dest` as `job` says; returns the bytes written. `progress` hears the
/// number of matching features, then features read from the database, then (for formats
/// other than GeoJSON) a "writing" stage measured in the same features. A GeoJSON export
/// never opens the door, so it needs no GIS library at all.
///
/// # Errors
/// When the database or the conversion fails, or `dest` cannot be written.
pub async fn export(
    store: &Store,
    gis: Option<&Arc<dyn GisFiles>>,
    c: Collection<'_>,
    job: &ExportJob<'_>,
    dest: &Path,
    progress: Arc<dyn Progress>,
) -> Result<u64, IngestError> {
    let total = u64::try_from(store.count_features(c, job.filter).await?).unwrap_or(0);
    progress.start(Some(total));
    if job.format == ExportFormat::GeoJson {
        let n = store.export_geojson_file(c, job.filter, job.precision, dest, &|n| progress.update(n)).await;
        progress.finish();
        return Ok(n?);
    }
    let Some(gis) = gis.cloned() else {
        progress.finish();
        return Err(IngestError::Task(format!(
            "{} export needs the GIS formats, which this process lacks",
            job.format.label()
        )));
    };
    let work = tempfile_dir()?;
    let staging = work.path().join(format!("{}.geojson", job.name));
    // The door reads the same stream at full precision and writes the target format from it.
    if let Err(e) =
        store.export_geojson_file(c, job.filter, job.precision.max(9), &staging, &|n| progress.update(n)).await
    {
        progress.finish();
        return Err(e.into());
    }
    progress.stage(&format!("writing {}", job.format.label()));
    let (name, format, dest) = (job.name.to_owned(), job.format, dest.to_owned());
    let work_dir = work.path().to_owned();
    let bar = Arc::clone(&progress);
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let written = tokio::task::spawn_blocking(move || {
        let on_progress = |f: f64| bar.update((f.clamp(0.0, 1.0) * total as f64) as u64);
        let job = Conversion { staging: &staging, work: &work_dir, name: &name, format, dest: &dest };
        gis.convert(job, &on_progress)
    })
    .await
    .map_err(|e| IngestError::Task(e.to_string()))
    .and_then(|r| r);
    progress.finish();
    drop(work);
    written
}

fn tempfile_dir() -> Result<tempfile::TempDir, IngestError> {
    crate::scratch::dir("export").map_err(|e| IngestError::Io { path: std::env::temp_dir(), reason: e.to_string() })
}
