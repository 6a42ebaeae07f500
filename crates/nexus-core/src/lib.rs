//! Nexus Atlas domain: the types and pure rules every other crate shares.
//!
//! This crate does no IO, has no async code and knows nothing about SQL, GDAL or HTTP.
//! Values are validated when they are made (`FromStr`, `TryFrom`), so a value of a type
//! from this crate is always a valid one: a [`LayerId`] is always a safe identifier, a
//! [`TileCoord`] is always inside its zoom level.

#[macro_use]
mod enums;
mod access;
mod bbox;
mod city;
mod comment;
pub mod crs;
mod export_format;
pub mod html;
mod ids;
mod layer;
pub mod nexus_plan;
mod project;
pub mod query;
mod rules;
mod slug;
mod solution;
mod tile;

pub use access::{Action, DraftScope, Membership, Principal, Role, UserAccess};
pub use bbox::{Bbox, BboxError};
pub use city::{City, CityCollection, CityError};
pub use comment::{CommentError, CommentStatus, Moderation, NewComment, Stance};
pub use crs::Crs;
pub use enums::{Dimension, Effect, GeometryFamily, LayerKind, ParseEnumError, ProjectStatus, Sector, Visibility};
pub use export_format::ExportFormat;
pub use ids::{CitySlug, IdError, LayerId, ProjectSlug};
pub use layer::{FieldDef, FieldType, Layer, LayerMeta};
pub use project::{Budget, ProjectCollection, ProjectError, ProjectMeta, ProjectRecord};
pub use query::{CqlFilter, FeatureFilter, ItemsQuery, QueryError, TimeRange};
pub use rules::{GridSettings, Override, Rule, RuleError, RuleSet, RuleSource, Selector, MAX_DISTANCE_M};
pub use solution::{Solution, SolutionSet};
pub use tile::{TileCoord, TileError, MAX_ZOOM, WEB_MERCATOR_HALF};
