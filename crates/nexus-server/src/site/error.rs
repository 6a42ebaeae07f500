//! Why a site was not written.

use std::path::PathBuf;

use axum::http::StatusCode;
use nexus_service::snapshot::SnapshotError;

/// Why a site was not written; the folder is as it was.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SiteError {
    /// The tiles could not be written.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// A file could not be written or read.
    #[error("cannot {what} {}: {source}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// Where.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// One of the public map's requests did not succeed.
    #[error("GET {path} answered {status}: {message}")]
    Answer {
        /// The request.
        path: String,
        /// Its status.
        status: StatusCode,
        /// The start of its body.
        message: String,
    },
    /// The request cannot be met (no web build, a folder that is not a site).
    #[error("{0}")]
    Invalid(String),
}
