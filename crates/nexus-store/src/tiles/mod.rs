//! Vector tiles: rendering one tile, reading and writing the pre-rendered tile store.
//!
//! The SQL follows Martin's recipe (`ST_AsMVTGeom` into `ST_AsMVT`, extent 4096, buffer 64,
//! clipping, a `&&` search on the tile envelope with a margin) but reads the stored 3857 copy,
//! so no geometry is reprojected per request. The only identifier in the SQL is the layer's
//! partition name, built from a validated [`LayerId`] and quoted; z/x/y and the MVT layer name
//! are bound parameters, and statements are prepared once per connection.

mod crowded;
mod edited;
mod occupied;
mod render;
mod stored;

pub use crowded::TILE_BUDGET;
pub use edited::{EditPlace, RedrawnTile};
pub use render::{StoredTile, BUFFER, EXTENT, PROJECTS};
pub use stored::{PrerenderReader, TileStoreWriter};
