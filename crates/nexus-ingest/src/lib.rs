//! Nexus Atlas ingest: the only crate that links GDAL.
//!
//! [`ingest`] reads a GIS file through GDAL and loads one layer of it into PostGIS through
//! `nexus-store`, as one transaction: every feature is checked (finite, in range, one
//! geometry family, valid), unclosed rings are closed, invalid geometries are repaired by
//! PostGIS (`ST_MakeValid`) or refused, and the [`IngestReport`] lists each of them with its
//! feature number. A refusal anywhere means nothing is written.
//!
//! GDAL datasets are opened, used and dropped inside one blocking task: GDAL is re-entrant
//! but not thread-safe, and the Rust `Dataset` is `Send` but not `Sync`.

mod error;
mod export;
mod ffi;
mod formats;
mod gdal_errors;
mod options;
mod pipeline;
mod props;
mod reader;
mod report;
mod source;
mod wkb;

pub use error::IngestError;
pub use export::{export, ExportJob};
pub use formats::{gdal_version, Format, FormatError};
pub use nexus_core::ExportFormat;
pub use options::{sidecar_path, IngestOptions, Limits, Sidecar, SidecarLayer};
pub use pipeline::{ingest, layer_names, NoProgress, Progress};
pub use report::{Action, Counts, IngestReport, Issue, MAX_ISSUES};
pub use source::sha256_file;
