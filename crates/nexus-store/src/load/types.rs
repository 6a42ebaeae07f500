//! What a load is asked to do and what it reports: its mode, the provenance it records, its
//! summary, and the repairs PostGIS made.

use serde::Serialize;
use time::OffsetDateTime;

/// How a load treats the features already in the layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoadMode {
    /// Swap the old features for the new ones in one step (creates the layer when new).
    Replace,
    /// Add to the existing features (creates the layer when new).
    Append,
}

impl std::str::FromStr for LoadMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "replace" => Ok(LoadMode::Replace),
            "append" => Ok(LoadMode::Append),
            other => Err(format!("unknown mode '{other}': expected replace or append")),
        }
    }
}

impl std::fmt::Display for LoadMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LoadMode::Replace => "replace",
            LoadMode::Append => "append",
        })
    }
}

/// Judges a load under the catalog row's lock, given the layer as stored then (`None`: new),
/// so a permission asked before a long upload cannot have gone stale by the time it is written.
#[derive(Clone)]
pub struct LoadGuard(pub std::sync::Arc<LoadJudge>);

/// What a [`LoadGuard`] asks: may the load go ahead, given the layer as locked.
pub type LoadJudge = dyn Fn(Option<&nexus_core::Layer>) -> bool + Send + Sync;

impl std::fmt::Debug for LoadGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoadGuard")
    }
}

/// Where an ingest's data came from, recorded in `layer_ingests`.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    /// File name as given (no directories).
    pub file_name: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// File size.
    pub bytes: u64,
    /// Format name (`GeoJSON`, `Shapefile`, …).
    pub format: String,
    /// Layer inside the file.
    pub source_layer: Option<String>,
    /// Source coordinate system (`EPSG:32647`).
    pub source_crs: Option<String>,
    /// Features read from the file.
    pub read: u64,
    /// Features repaired.
    pub repaired: u64,
    /// Features dropped on request (`--drop-empty`).
    pub dropped: u64,
    /// The full ingest report.
    pub report: serde_json::Value,
    /// When the ingest began.
    pub started_at: OffsetDateTime,
    /// Who loads it: the layer's history names them, and this row (completed with the
    /// revisions) is appended to the audit trail in the load's transaction.
    #[serde(skip)]
    pub audit: Option<crate::AuditEntry>,
}

/// What the finished load says about the layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadSummary {
    /// Layer revision after the load (unchanged when not committed).
    pub revision: i64,
    /// Features in the layer after the load.
    pub feature_count: i64,
    /// Extent after the load.
    pub bounds: Option<[f64; 4]>,
    /// Whether the transaction was committed (false for a dry run).
    pub committed: bool,
}

/// The outcome of asking PostGIS to repair one invalid geometry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// Repaired and stored; `reason` is what was wrong (`ST_IsValidReason`).
    Repaired {
        /// What was wrong.
        reason: String,
    },
    /// Nothing of the layer's geometry family survived the repair; not stored.
    Collapsed {
        /// What was wrong.
        reason: String,
    },
}
