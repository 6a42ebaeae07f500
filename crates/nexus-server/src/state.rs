//! What every handler can reach.

use std::path::PathBuf;
use std::sync::Arc;

use nexus_store::Store;

/// Settings of the HTTP application.
#[derive(Clone)]
pub struct ServerConfig {
    /// Folder of the built web map (`web/dist`).
    pub web_dir: PathBuf,
    /// Bearer token planners present to change data; `None` disables uploads and edits.
    pub planner_token: Option<String>,
    /// Largest upload accepted, in bytes.
    pub max_upload_bytes: u64,
}

impl ServerConfig {
    /// Defaults: no planner token, 256 MiB uploads.
    pub fn new(web_dir: impl Into<PathBuf>) -> Self {
        ServerConfig { web_dir: web_dir.into(), planner_token: None, max_upload_bytes: 256 << 20 }
    }
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("web_dir", &self.web_dir)
            .field("planner_token", &self.planner_token.as_ref().map(|_| "***"))
            .field("max_upload_bytes", &self.max_upload_bytes)
            .finish()
    }
}

/// Shared state of the application. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Settings.
    pub config: Arc<ServerConfig>,
}

impl AppState {
    /// Bundles a store and settings.
    pub fn new(store: Store, config: ServerConfig) -> Self {
        AppState { store, config: Arc::new(config) }
    }
}
