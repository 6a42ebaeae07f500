//! Nexus Atlas ingest: the only crate that links GDAL. [`Gdal`] is the services' door to GIS
//! files (`nexus_service::gis::GisFiles`).
//!
//! [`ingest`] reads a GIS file through GDAL and loads one layer of it into PostGIS through
//! `nexus-store`, as one transaction: every feature is checked (finite, in range, one
//! geometry family, valid), unclosed rings are closed, invalid geometries are repaired by
//! PostGIS (`ST_MakeValid`) or refused, and the [`IngestReport`] lists each of them with its
//! feature number. A refusal anywhere means nothing is written.
//!
//! GDAL datasets are opened, used and dropped inside one blocking task: GDAL is re-entrant
//! but not thread-safe, and the Rust `Dataset` is `Send` but not `Sync`.

mod archive;
mod check;
mod crs;
mod export;
mod ffi;
mod formats;
mod gdal_door;
mod gdal_errors;
mod geos;
mod lazy_lib;
mod libs;
mod looks;
mod native;
mod pipeline;
mod props;
mod reader;
mod rows;
mod source;
mod wkb;

pub use formats::{available, drivers, gdal_version};
pub use gdal_door::{export, Gdal};
pub use nexus_core::ExportFormat;
// The request, report and errors of an ingest belong to the door (`nexus_service::gis`);
// they are named here too, for the commands and tests that drive GDAL directly.
pub use libs::load_gdal;
pub use nexus_service::gis::{
    settings, sidecar_path, Action, Counts, ExportJob, Format, FormatError, IngestError, IngestOptions, IngestReport,
    Issue, Limits, NoProgress, Progress, Sidecar, SidecarLayer, MAX_ISSUES,
};
pub use pipeline::{ingest, layer_names};
pub use source::sha256_file;
