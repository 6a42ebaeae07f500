//! The one door to GIS file formats. Whatever reads or writes them (GDAL, in `nexus-ingest`)
//! implements [`GisFiles`] and is handed to the services by the binary; nothing above the
//! door links it.

use std::fmt;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use nexus_core::ExportFormat;
use nexus_store::Store;

use super::error::IngestError;
use super::options::IngestOptions;
use super::progress::Progress;
use super::report::IngestReport;

/// A future the door returns (boxed, so the trait can be used as `dyn GisFiles`).
pub type DoorFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, IngestError>> + Send + 'a>>;

/// A conversion of a GeoJSON file, staged from the store at full precision, to another format.
#[derive(Debug, Clone, Copy)]
pub struct Conversion<'a> {
    /// The staged GeoJSON.
    pub staging: &'a Path,
    /// A private folder to work in (shapefile parts are written there and zipped).
    pub work: &'a Path,
    /// The layer's name inside the file (and the stem of shapefile parts).
    pub name: &'a str,
    /// The target format (never GeoJSON: that needs no conversion).
    pub format: ExportFormat,
    /// Where the result goes, replaced atomically.
    pub dest: &'a Path,
}

/// Reads GIS files into the store and writes the store's GeoJSON into other formats.
pub trait GisFiles: Send + Sync + fmt::Debug {
    /// Ingests one layer of one file: everything is stored, or nothing is and the error
    /// says why.
    fn ingest<'a>(
        &'a self,
        store: &'a Store,
        options: IngestOptions,
        progress: Arc<dyn Progress>,
    ) -> DoorFuture<'a, IngestReport>;

    /// The names of the layers inside the file of `options` (a GeoPackage has several).
    fn layer_names<'a>(&'a self, options: &'a IngestOptions) -> DoorFuture<'a, Vec<String>>;

    /// Converts a staged GeoJSON file; blocking, so it is called on a blocking thread.
    /// `progress` hears the fraction done. Returns the bytes written.
    ///
    /// # Errors
    /// When the conversion or the write fails.
    fn convert(&self, job: Conversion<'_>, progress: &dyn Fn(f64)) -> Result<u64, IngestError>;
}
