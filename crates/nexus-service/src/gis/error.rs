//! Why an ingest did not happen. Every message names the file (and the feature, when one is
//! to blame) and says what would fix it. Nothing was written when any of these is returned.

use std::path::PathBuf;

use nexus_store::StoreError;

use super::format::FormatError;
use super::report::IngestReport;

/// An ingest that failed; the layer is as it was.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The file does not exist or is not a regular file.
    #[error("{0}: no such file")]
    NotFound(PathBuf),
    /// The format is not one we read.
    #[error(transparent)]
    Unsupported(#[from] FormatError),
    /// GDAL could not open the file as its format.
    #[error("{file} cannot be read as {format}: {reason}")]
    Unreadable {
        /// File name.
        file: String,
        /// Expected format.
        format: &'static str,
        /// What GDAL said.
        reason: String,
    },
    /// A shapefile part is missing.
    #[error("{file} has no {missing} file beside it; a shapefile needs its .shp, .shx and .dbf (and a .prj for its coordinate system)")]
    ShapefilePart {
        /// The .shp name.
        file: String,
        /// The missing extension (`.dbf`).
        missing: &'static str,
    },
    /// An archive that could harm the server (path traversal, zip bomb, too many entries).
    #[error("{file} is refused: {reason}")]
    UnsafeArchive {
        /// The archive name.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// A compressed file or archive that expands beyond the limits (counted while expanding).
    #[error("{file} is refused: {reason}")]
    TooLarge {
        /// The file name.
        file: String,
        /// By how much, and which limit.
        reason: String,
    },
    /// A document that tries to reach outside itself (XML external entities).
    #[error("{file} is refused: {reason}")]
    Hostile {
        /// File name.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// The data has no coordinate system and none was named.
    #[error("{file} has no coordinate system; name the one it uses with --source-crs (for example --source-crs EPSG:32647 for UTM zone 47N)")]
    NoCrs {
        /// File name.
        file: String,
    },
    /// A coordinate system that cannot be understood.
    #[error("coordinate system '{crs}' is not known: {reason}")]
    BadCrs {
        /// As given.
        crs: String,
        /// What GDAL/PROJ said.
        reason: String,
    },
    /// The file holds several layers, or not the one asked for.
    #[error("{file} {problem}; its layers are: {available}. Choose one with --source-layer")]
    Layer {
        /// File name.
        file: String,
        /// "has 3 layers" or "has no layer 'x'".
        problem: String,
        /// Layer names.
        available: String,
    },
    /// The data cannot join the existing layer.
    #[error("{0}")]
    Incompatible(String),
    /// GDAL failed in the middle of the file (truncated or corrupt data).
    #[error("{file} is damaged at feature {feature}: {reason}")]
    Read {
        /// File name.
        file: String,
        /// 1-based feature number.
        feature: u64,
        /// What GDAL said.
        reason: String,
    },
    /// One or more features could not be stored; the report lists each with its reason.
    #[error("{} of {} features of {} refused ({}); nothing was written", .0.features.refused, .0.features.read, .0.file, first_refusal(.0))]
    Refused(Box<IngestReport>),
    /// The sidecar file is invalid.
    #[error("sidecar {path} is not valid: {reason}")]
    Sidecar {
        /// Its path.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Reading the file failed.
    #[error("cannot read {path}: {reason}")]
    Io {
        /// Path.
        path: PathBuf,
        /// OS error.
        reason: String,
    },
    /// The database refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An internal task died.
    #[error("ingest task failed: {0}")]
    Task(String),
    /// A library the format needs (GDAL) cannot be loaded on this machine.
    #[error("{0}")]
    Library(String),
}

fn first_refusal(report: &IngestReport) -> String {
    match report.refusals().next() {
        Some(i) => format!("first: feature {}, {}", i.feature, i.reason),
        None => "see the report".to_owned(),
    }
}

impl IngestError {
    /// Whether the input (not the server) is to blame: an HTTP 4xx.
    pub fn is_client_error(&self) -> bool {
        match self {
            IngestError::Store(e) => matches!(e, StoreError::Invalid(_)),
            IngestError::Task(_) | IngestError::Io { .. } | IngestError::Library(_) => false,
            _ => true,
        }
    }
}
