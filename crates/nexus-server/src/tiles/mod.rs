//! Vector tiles over HTTP: `/tiles` (the catalog of sources), `/tiles/{sources}.json`
//! (TileJSON 3.0.0) and `/tiles/{sources}/{z}/{x}/{y}.mvt` (one layer, or several
//! comma-separated layers in one tile).

mod mvt;
pub(crate) mod sources;
mod tilejson;

use axum::routing::get;
use axum::Router;

pub use mvt::MVT;
pub use nexus_service::tiles::{TileSettings, Tiles};

use crate::state::AppState;

/// The tile routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tiles", get(sources::sources))
        .route("/tiles/{name}", get(tilejson::handler))
        .route("/tiles/{sources}/{z}/{x}/{y}", get(mvt::tile))
}
