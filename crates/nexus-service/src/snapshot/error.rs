//! Why a snapshot was not written.

use std::path::PathBuf;

use nexus_store::StoreError;

/// Why a snapshot was not written; any earlier file at the output is as it was.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file could not be written or read.
    #[error("cannot {what} {}: {source}", path.display())]
    Io {
        /// What was being done ("create the archive in").
        what: &'static str,
        /// Where.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The PMTiles writer refused.
    #[error("the PMTiles archive could not be written: {0}")]
    Archive(String),
    /// The request cannot be met (no layers, nothing to draw).
    #[error("{0}")]
    Invalid(String),
}

impl SnapshotError {
    pub(super) fn archive(e: impl std::fmt::Display) -> SnapshotError {
        SnapshotError::Archive(e.to_string())
    }
}
