//! `.nexus/cluster.json`: what we need to find and log in to the cluster again.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ClusterError;

/// The saved facts of one embedded cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterState {
    /// Folder holding `pgdata/` and `postgres.log` (owned by the service user).
    pub cluster_dir: PathBuf,
    /// Loopback TCP port last used.
    pub port: u16,
    /// The cluster's superuser, which Nexus Atlas logs in as.
    pub user: String,
    /// Its password (the file is readable by its owner only).
    pub password: String,
    /// The application database.
    pub database: String,
    /// Passwords of the owner and application roles (absent in clusters made before them).
    #[serde(default)]
    pub roles: Option<RolePasswords>,
    /// Loopback port of the streaming replica (`nexus db replica start`), once it was started.
    #[serde(default)]
    pub replica_port: Option<u16>,
}

/// Passwords of the roles Nexus Atlas works as (see `cluster::roles`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolePasswords {
    /// `nexus_owner`.
    pub owner: String,
    /// `nexus_app`.
    pub app: String,
}

impl ClusterState {
    pub(super) fn load(path: &Path) -> Result<Option<ClusterState>, ClusterError> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| ClusterError::State { path: path.to_owned(), reason: e.to_string() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ClusterError::io(path, &e)),
        }
    }

    /// Writes atomically (temp file + rename) with mode 0600, since it holds a password.
    pub(super) fn save(&self, path: &Path) -> Result<(), ClusterError> {
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| ClusterError::State { path: path.to_owned(), reason: e.to_string() })?;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| ClusterError::io(&tmp, &e))?;
        f.write_all(text.as_bytes()).and_then(|()| f.sync_all()).map_err(|e| ClusterError::io(&tmp, &e))?;
        std::fs::rename(&tmp, path).map_err(|e| ClusterError::io(path, &e))
    }

    /// The data directory.
    pub fn pgdata(&self) -> PathBuf {
        self.cluster_dir.join("pgdata")
    }

    /// The server log.
    pub fn log_file(&self) -> PathBuf {
        self.cluster_dir.join("postgres.log")
    }

    /// Connection URL for `database`.
    pub fn url_for(&self, database: &str) -> String {
        format!("postgres://{}:{}@127.0.0.1:{}/{}", self.user, self.password, self.port, database)
    }
}
