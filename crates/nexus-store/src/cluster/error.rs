//! Why the embedded cluster could not be managed.

use std::path::{Path, PathBuf};

/// Why the embedded cluster could not be managed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterError {
    /// `initdb`/`pg_ctl`/`postgres` are not installed.
    #[error("PostgreSQL server programs (initdb, pg_ctl, postgres) were not found in {searched}; run scripts/setup or install postgresql-15-postgis-3")]
    NoBinaries {
        /// The folders searched.
        searched: String,
    },
    /// Running as root and there is no unprivileged user to run PostgreSQL as.
    #[error("running as root, but there is no 'postgres' OS user to run PostgreSQL as (PostgreSQL refuses root); install the postgresql package or run nexus as an ordinary user")]
    NoServiceUser,
    /// A file or folder could not be read or written.
    #[error("cannot use {path}: {reason}")]
    Io {
        /// The path.
        path: PathBuf,
        /// What the OS said.
        reason: String,
    },
    /// `cluster.json` is unreadable.
    #[error("the cluster state file {path} is damaged ({reason}); remove the folder to start afresh")]
    State {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A PostgreSQL program failed.
    #[error("{program} failed ({status}): {output}")]
    Program {
        /// `initdb`, `pg_ctl start`, …
        program: &'static str,
        /// Exit status.
        status: String,
        /// The tail of its output or of the server log.
        output: String,
    },
    /// The cluster has not been created yet.
    #[error("no embedded database has been created in {0} yet; run 'nexus db start'")]
    NotInitialized(PathBuf),
}

impl ClusterError {
    pub(super) fn io(path: &Path, e: &std::io::Error) -> ClusterError {
        ClusterError::Io { path: path.to_owned(), reason: e.to_string() }
    }
}
