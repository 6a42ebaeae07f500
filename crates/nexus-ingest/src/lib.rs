//! Nexus Atlas ingest: the only crate that links GDAL.
//!
//! GDAL reads every format cities keep their layers in; this crate turns what it reads
//! into validated features and hands them to `nexus-store`. GDAL datasets are opened,
//! used and dropped inside one blocking task: GDAL is re-entrant but not thread-safe, and
//! the Rust `Dataset` is `Send` but not `Sync`.

mod formats;

pub use formats::{gdal_version, Format, FormatError};
