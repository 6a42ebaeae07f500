//! Features as GeoJSON: pages for OGC API - Features, single features, and whole-layer
//! exports streamed with constant memory.
//!
//! Geometry leaves as RFC 7946 GeoJSON: longitude/latitude (CRS84), exterior rings
//! counter-clockwise and holes clockwise, a fixed number of decimals, no `crs` member; the
//! text is written here from the EWKB PostGIS sends (`geojson.rs`). Every request value is a bound parameter; table and column names are
//! constants or come from a validated layer id.

mod cql;
mod edit;
mod edit_checks;
mod export;
mod geojson;
mod project_answer;
mod query;
mod reads;

pub use edit::{CurrentFeature, EditGuard, EditKind, FeatureBody, FeatureEdit, FeatureWrite, WriteOutcome};
pub use export::ExportChunk;
pub use project_answer::ProjectAnswer;
pub(crate) use query::sql_literal;
pub use query::{time_field, Collection, LAYER_QUERYABLES, PROJECT_QUERYABLES};
pub use reads::Page;
