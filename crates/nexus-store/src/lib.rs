//! Nexus Atlas storage: the only crate that speaks SQL.
//!
//! [`Store`] owns the PostgreSQL connection pool. [`Store::connect`] refuses to hand out a
//! store until the server is reachable, PostGIS is enabled and the [`migrate`] step has
//! brought the schema up to date, so every query below can assume the schema exists.
//! [`cluster`] manages the private PostGIS cluster that runs when no `DATABASE_URL` is
//! given, and [`testing`] gives each test a fresh database cloned from a migrated template.
//!
//! SQL identifiers never come from user input: table and column names are constants here,
//! and layer ids reach SQL only after [`nexus_core::LayerId`] validated them, and then only
//! quoted.

mod accounts;
pub mod backup;
mod budget;
mod cities;
pub mod cluster;
mod comments;
mod error;
mod export_file;
mod features;
mod health;
mod layer_history;
mod layers;
mod listen;
mod load;
pub mod migrate;
mod nexus;
mod pool;
mod project_history;
mod projects;
pub mod replicas;
mod roles;
mod search;
mod sheet;
mod solutions;
mod sqltypes;
mod target;
pub mod testing;
mod tiles;
pub mod tls;

pub use accounts::{AuditEntry, AuditFilter, AuditRow, NewUser, SignInRecord, TokenLookup, TokenRow, UserRow, Via};
pub use comments::{CommentLimit, CommentRow, ModerateOutcome, PostOutcome, Tally};
pub use error::{StoreError, StoreResult};
pub use export_file::temp_beside;
pub use features::{
    time_field, Collection, CurrentFeature, EditGuard, EditKind, ExportChunk, FeatureBody, FeatureEdit, FeatureWrite,
    Page, ProjectAnswer, WriteOutcome, LAYER_QUERYABLES, PROJECT_QUERYABLES,
};
pub use health::DatabaseInfo;
pub use layer_history::{LayerGuard, LayerRevision, LayerState};
pub use listen::Change;
pub use load::{LayerLoad, LoadGuard, LoadMode, LoadSummary, Provenance, Repair};
pub use nexus::{
    Checked, CitySummary, Draft, EvaluatedLink, LiveLinks, NexusRefresh, ProjectProfile, Reach, TouchedLayer,
    HEX as NEXUS_HEX, LINKS as NEXUS_LINKS,
};
pub use pool::{Budgets, Store, StoreConfig, DEFAULT_LAYER_HISTORY};
pub use project_history::{HistoryOutcome, ProjectRevision};
pub use projects::{SaveGuard, SaveOutcome, StoredProject};
pub use search::SearchHit;
pub use sheet::{SheetMap, SheetShape};
pub use solutions::{SolutionProject, SolutionRow};
pub use tiles::{
    EditPlace, PrerenderReader, RedrawnTile, StoredTile, TileStoreWriter, BUFFER, EXTENT, PROJECTS as PROJECTS_TILES,
    TILE_BUDGET,
};
