//! What every handler can reach.

use std::path::PathBuf;
use std::sync::Arc;

use nexus_store::Store;

/// Settings of the HTTP application.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Folder of the built web map (`web/dist`).
    pub web_dir: PathBuf,
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
