//! The tile service: which tile to serve, from the cache, the pre-rendered store or PostGIS.

mod cache;
mod catalog;
pub mod describe;
mod edits;
pub mod encoding;
mod heard;
pub mod prerender;
mod service;

pub use cache::CachedTile;
pub use catalog::Catalog;
pub use service::{TileSettings, Tiles};
