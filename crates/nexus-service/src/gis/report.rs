//! The ingest report: what was read, what was loaded, and every feature that was repaired,
//! dropped or refused, with its number in the file and the reason.

use nexus_core::{FieldDef, GeometryFamily, LayerId};
use nexus_store::LoadMode;
use serde::Serialize;

/// Most issues listed one by one; the counts stay exact beyond it.
pub const MAX_ISSUES: usize = 1000;

/// What happened to a feature that needed attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Fixed and loaded.
    Repaired,
    /// Left out on request (`--drop-empty`).
    Dropped,
    /// Not loadable; the ingest is refused.
    Refused,
}

/// One feature that needed attention.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    /// 1-based number of the feature in the source layer.
    pub feature: u64,
    /// What was wrong.
    pub reason: String,
    /// What was done.
    pub action: Action,
}

/// Feature counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Read from the file.
    pub read: u64,
    /// Stored (or, in a dry run, that would be).
    pub loaded: u64,
    /// Repaired on the way.
    pub repaired: u64,
    /// Dropped on request.
    pub dropped: u64,
    /// Refused.
    pub refused: u64,
}

impl Counts {
    /// Counts one feature's issue.
    pub fn count(&mut self, action: Action) {
        match action {
            Action::Repaired => self.repaired += 1,
            Action::Dropped => self.dropped += 1,
            Action::Refused => self.refused += 1,
        }
    }
}

impl Issue {
    /// Adds `self` to `list` unless it holds [`MAX_ISSUES`] already, in which case
    /// `truncated` is set: the counts go on, the list stops.
    pub fn append_to(self, list: &mut Vec<Issue>, truncated: &mut bool) {
        if list.len() < MAX_ISSUES {
            list.push(self);
        } else {
            *truncated = true;
        }
    }
}

/// The report of one ingest, printed by the CLI and returned by the HTTP API.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IngestReport {
    /// Target layer.
    pub layer: LayerId,
    /// Replace or append.
    pub mode: LoadMode,
    /// Validated only, nothing written.
    pub dry_run: bool,
    /// Whether the data is now in the database.
    pub committed: bool,
    /// The file name.
    pub file: String,
    /// Format read.
    pub format: String,
    /// Layer inside the file.
    pub source_layer: Option<String>,
    /// Source coordinate system.
    pub source_crs: Option<String>,
    /// SHA-256 of the file.
    pub sha256: String,
    /// File size in bytes.
    pub bytes: u64,
    /// Geometry family of the layer.
    pub geometry_type: Option<GeometryFamily>,
    /// Counts.
    pub features: Counts,
    /// Property schema.
    pub fields: Vec<FieldDef>,
    /// Extent of the layer after the ingest.
    pub bounds: Option<[f64; 4]>,
    /// Layer revision after the ingest.
    pub revision: Option<i64>,
    /// Features that needed attention (at most [`MAX_ISSUES`]).
    pub issues: Vec<Issue>,
    /// True when more issues happened than are listed.
    pub issues_truncated: bool,
    /// Whole-file remarks (dropped Z values, encoding used, …).
    pub warnings: Vec<String>,
    /// Wall time.
    pub elapsed_ms: u64,
}

impl IngestReport {
    /// Adds an issue, keeping the list bounded.
    pub fn push(&mut self, feature: u64, reason: impl Into<String>, action: Action) {
        self.features.count(action);
        Issue { feature, reason: reason.into(), action }.append_to(&mut self.issues, &mut self.issues_truncated);
    }

    /// The refusals, one line each, for messages.
    pub fn refusals(&self) -> impl Iterator<Item = &Issue> {
        self.issues.iter().filter(|i| i.action == Action::Refused)
    }
}
