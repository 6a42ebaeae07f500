//! Pre-rendering: after a layer changes, its low-zoom tiles (the expensive ones: a zoom-6
//! tile of a country's villages takes PostGIS over 100 ms) are rendered once, a whole zoom
//! level per query from geometry simplified to that zoom's grid, gzip-compressed, and kept
//! in the database's tile store under the layer's revision. A cold request at those zooms
//! is then a lookup. One server instance renders each revision (an advisory lock decides).

use std::sync::Arc;

use futures_util::StreamExt;
use nexus_core::{Layer, LayerId, TileCoord};
use nexus_store::{Store, StoreError};

use crate::tiles::encoding;

/// Most tiles pre-rendered per layer, over all its pre-rendered zooms.
const BUDGET: u64 = 50_000;
/// Simplification tolerance, in grid units of the zoom (below one unit MVT cannot show it).
const TOLERANCE: f64 = 1.0;

/// Tiles of zoom `z` that a bounding box touches.
fn tile_count(bounds: [f64; 4], z: u8) -> u64 {
    let a = TileCoord::containing(bounds[0], bounds[3], z);
    let b = TileCoord::containing(bounds[2], bounds[1], z);
    u64::from(b.x - a.x + 1) * u64::from(b.y - a.y + 1)
}

/// The deepest zoom to pre-render for `layer`: at most `limit` and the layer's maxzoom, and
/// no deeper than the tile budget allows. `None` when there is nothing to render.
pub fn plan(layer: &Layer, limit: u8) -> Option<u8> {
    let bounds = layer.bounds?;
    let top = limit.min(layer.maxzoom);
    if layer.minzoom > top || layer.feature_count == 0 {
        return None;
    }
    let mut total = 0;
    let mut deepest = None;
    for z in layer.minzoom..=top {
        total += tile_count(bounds, z);
        if total > BUDGET {
            break;
        }
        deepest = Some(z);
    }
    deepest
}

/// Renders `id`'s current revision into the tile store unless it is there already or another
/// instance is doing it. Returns the number of tiles stored.
///
/// # Errors
/// When the database fails.
pub async fn prerender(store: &Store, id: &LayerId, limit: u8) -> Result<u64, StoreError> {
    let Some(layer) = store.layer(id).await? else { return Ok(0) };
    if layer.prerendered_revision == Some(layer.revision) {
        return Ok(0);
    }
    let Some(maxzoom) = plan(&layer, limit) else { return Ok(0) };
    let mut reader = store.prerender_reader(id).await?;
    let Some(mut writer) = store.tile_store_writer(id, reader.revision()).await? else {
        tracing::debug!(layer.id = %id, "another instance is pre-rendering this layer");
        return Ok(0);
    };
    let started = std::time::Instant::now();
    // Deepest first: each zoom simplifies the previous zoom's geometry further.
    for z in (layer.minzoom..=maxzoom).rev() {
        let rows = reader.zoom(z, TOLERANCE).await?;
        let mut rows = std::pin::pin!(rows);
        while let Some(row) = rows.next().await {
            let (x, y, mvt) = row?;
            let Ok(tile) = TileCoord::new(u32::from(z), u64::from(x), u64::from(y)) else { continue };
            let mvt = Arc::new(mvt);
            let m = Arc::clone(&mvt);
            let gz = tokio::task::spawn_blocking(move || encoding::gzip(&m))
                .await
                .map_err(|e| StoreError::Pool(e.to_string()))?;
            writer.write(tile, &mvt, &gz).await?;
        }
    }
    let revision = reader.revision();
    drop(reader);
    let tiles = writer.tiles();
    let kept = writer.finish(maxzoom).await?;
    tracing::info!(layer.id = %id, layer.revision = revision, tiles, maxzoom, kept,
        elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX), "pre-rendered low zooms");
    Ok(if kept { tiles } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_the_pyramid() {
        let world = [-180.0, -85.0, 180.0, 85.0];
        assert_eq!(tile_count(world, 0), 1);
        assert_eq!(tile_count(world, 2), 16);
        let cm = [98.98, 18.78, 98.99, 18.79];
        assert_eq!(tile_count(cm, 10), 1);
    }
}
