//! GDAL as the services' door to GIS files ([`GisFiles`]).

use std::sync::Arc;

use nexus_service::gis::{Conversion, DoorFuture, GisFiles, IngestError, IngestOptions, IngestReport, Progress};
use nexus_store::Store;

/// GIS files read and written through GDAL. The binary hands one to the services.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gdal;

impl GisFiles for Gdal {
    fn ingest<'a>(
        &'a self,
        store: &'a Store,
        options: IngestOptions,
        progress: Arc<dyn Progress>,
    ) -> DoorFuture<'a, IngestReport> {
        Box::pin(crate::pipeline::ingest(store, options, progress))
    }

    fn layer_names<'a>(&'a self, options: &'a IngestOptions) -> DoorFuture<'a, Vec<String>> {
        Box::pin(crate::pipeline::layer_names(options))
    }

    fn convert(&self, job: Conversion<'_>, progress: &dyn Fn(f64)) -> Result<u64, IngestError> {
        crate::export::translate(job, progress)
    }
}

/// Exports `c` to `dest` with GDAL for the formats other than GeoJSON (see
/// `nexus_service::gis::export`).
///
/// # Errors
/// When the database or GDAL fails, or `dest` cannot be written.
pub async fn export(
    store: &Store,
    c: nexus_store::Collection<'_>,
    job: &nexus_service::gis::ExportJob<'_>,
    dest: &std::path::Path,
    progress: Arc<dyn Progress>,
) -> Result<u64, IngestError> {
    let door: Arc<dyn GisFiles> = Arc::new(Gdal);
    nexus_service::gis::export(store, Some(&door), c, job, dest, progress).await
}
