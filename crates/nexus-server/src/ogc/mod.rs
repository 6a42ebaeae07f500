//! OGC API - Features, Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0) and Part 4 (create, replace,
//! update, delete; `edit.rs`): `/`, `/conformance`,
//! `/api`, `/collections`, `/collections/{id}`, `/collections/{id}/items` and
//! `/collections/{id}/items/{featureId}`. Collections are the layers (drafts only for
//! planners) and `projects`.

mod collections;
mod common;
mod crs;
mod edit;
mod edit_projects;
pub mod html;
mod items;
mod items_page;
mod landing;
mod openapi;
mod schema;
mod source;
mod versions;

use axum::routing::get;
use axum::Router;

pub use common::stream_body;
pub use landing::landing;
pub use source::{source, Source};

use crate::state::AppState;

/// The OGC API routes (the landing page `/` is wired in `lib.rs`, shared with the map).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/conformance", get(landing::conformance))
        .route("/api", get(landing::api))
        .route("/collections", get(collections::collections))
        .route("/collections/{id}", get(collections::collection))
        .route("/collections/{id}/{doc}", get(collections::described))
        .route("/collections/{id}/items", get(items_page::items).post(edit::create).options(edit::options_items))
        .route(
            "/collections/{id}/items/{fid}",
            get(items::item).put(edit::replace).patch(edit::update).delete(edit::delete).options(edit::options_item),
        )
        .route("/collections/{id}/items/{fid}/history", get(edit::history))
}
