//! Pre-rendering: after a layer changes, its low-zoom tiles (the expensive ones: a zoom-6
//! tile of a country's villages takes PostGIS over 100 ms) are rendered once, a zoom
//! level at a time (in strips of tile columns) from geometry simplified to that zoom's
//! grid, gzip-compressed, and kept in the database's tile store under the layer's
//! revision. A cold request at those zooms is then a lookup. One server instance renders
//! each revision (an advisory lock decides). A feature edit does not start over: the tiles
//! its feature touched are redrawn and their rows replaced (`redraw`), the rest keep theirs.

use std::sync::Arc;

use futures_util::StreamExt;
use nexus_core::{Layer, LayerId, TileCoord};
use nexus_store::{PrerenderReader, Store, StoreError};

use crate::tiles::edits::MARGIN;
use crate::tiles::encoding;

/// Most tiles pre-rendered per layer, over all its pre-rendered zooms.
const BUDGET: u64 = 50_000;
/// Simplification tolerance, in grid units of the zoom (below one unit MVT cannot show it).
pub const TOLERANCE: f64 = 1.0;
/// Most tiles one redraw renders; edits that touch more (a feature the size of a province)
/// pre-render the layer again instead.
const REDRAW_BUDGET: usize = 400;

/// Work for the pre-render worker.
#[derive(Debug)]
pub(crate) enum Job {
    /// The layer's whole store, unless it holds the current generation (or `force`).
    Whole { layer: LayerId, force: bool },
    /// The stored tiles that feature edits touched, at `places`.
    Redraw { layer: LayerId, places: Vec<[f64; 4]> },
}

/// `jobs` in order, each layer's redraws joined into its first one.
pub(crate) fn merge_redraws(jobs: Vec<Job>) -> Vec<Job> {
    let mut out: Vec<Job> = Vec::with_capacity(jobs.len());
    for job in jobs {
        if let Job::Redraw { layer, places } = job {
            let earlier = out.iter_mut().find_map(|j| match j {
                Job::Redraw { layer: l, places: p } if *l == layer => Some(p),
                _ => None,
            });
            match earlier {
                Some(p) => p.extend(places),
                None => out.push(Job::Redraw { layer, places }),
            }
        } else {
            out.push(job);
        }
    }
    out
}

/// Tiles of zoom `z` that a bounding box touches.
fn tile_count(bounds: [f64; 4], z: u8) -> u64 {
    let a = TileCoord::containing(bounds[0], bounds[3], z);
    let b = TileCoord::containing(bounds[2], bounds[1], z);
    u64::from(b.x - a.x + 1) * u64::from(b.y - a.y + 1)
}

/// The deepest zoom to pre-render for `layer`: at most `limit` and the layer's maxzoom, and
/// no deeper than the tile budget allows for the tiles of the layer's box. `None` when there
/// is nothing to render.
pub fn plan(layer: &Layer, limit: u8) -> Option<u8> {
    let bounds = layer.bounds?;
    if layer.feature_count == 0 {
        return None;
    }
    within_budget(layer.minzoom, limit.min(layer.maxzoom), |z| tile_count(bounds, z))
}

/// The deepest zoom of `minzoom..=top` whose tiles, with those of every shallower zoom, fit
/// the budget (`count`: the tiles of a zoom).
fn within_budget(minzoom: u8, top: u8, count: impl Fn(u8) -> u64) -> Option<u8> {
    let mut total = 0;
    let mut deepest = None;
    for z in minzoom..=top {
        total += count(z);
        if total > BUDGET {
            break;
        }
        deepest = Some(z);
    }
    deepest
}

/// [`plan`], counting the tiles the features occupy where the layer's box holds too many
/// tiles: a scattered layer (islands, cities on several continents) is mostly empty box.
async fn plan_occupied(reader: &mut PrerenderReader, layer: &Layer, limit: u8) -> Result<Option<u8>, StoreError> {
    let by_box = plan(layer, limit);
    let top = limit.min(layer.maxzoom);
    if by_box == Some(top) || layer.bounds.is_none() || layer.feature_count == 0 || layer.minzoom > top {
        return Ok(by_box);
    }
    let occupied = reader.occupied_tiles(top, TOLERANCE).await?;
    let by_tiles = within_budget(layer.minzoom, top, |z| occupied.get(usize::from(z)).copied().unwrap_or(0));
    Ok(by_tiles.max(by_box))
}

/// Renders `id`'s current revision into the tile store unless it is there already or another
/// instance is doing it. Returns the number of tiles stored.
///
/// # Errors
/// When the database fails.
pub async fn prerender(store: &Store, id: &LayerId, limit: u8) -> Result<u64, StoreError> {
    prerender_with(store, id, limit, false).await
}

/// [`prerender`], also when the store holds the current generation already (`force`).
///
/// # Errors
/// When the database fails.
pub async fn prerender_with(store: &Store, id: &LayerId, limit: u8, force: bool) -> Result<u64, StoreError> {
    let Some(layer) = store.layer(id).await? else { return Ok(0) };
    if !force && layer.prerendered_revision.is_some_and(|p| p >= layer.edit_base) {
        return Ok(0);
    }
    let mut reader = store.prerender_reader(id).await?;
    let Some(maxzoom) = plan_occupied(&mut reader, &layer, limit).await? else { return Ok(0) };
    let Some(mut writer) = store.tile_store_writer(id, reader.revision()).await? else {
        tracing::debug!(layer.id = %id, "another instance is pre-rendering this layer");
        return Ok(0);
    };
    let started = std::time::Instant::now();
    // Deepest first: each zoom simplifies the previous zoom's geometry further.
    for z in (layer.minzoom..=maxzoom).rev() {
        let (zoom_started, before) = (std::time::Instant::now(), writer.tiles());
        let rows = reader.zoom(z, TOLERANCE).await?;
        let mut rows = std::pin::pin!(rows);
        while let Some(row) = rows.next().await {
            let (x, y, mvt) = row?;
            let Ok(tile) = TileCoord::new(u32::from(z), u64::from(x), u64::from(y)) else { continue };
            let mvt = Arc::new(mvt);
            let m = Arc::clone(&mvt);
            // The output is allocated here, not on the blocking thread: a buffer freed on
            // another thread than the one that made it stays with that idle thread's heap
            // (mimalloc), and a layer's tiles then pile up (313 MB instead of 146 at 83k).
            let out = Vec::with_capacity(mvt.len() + 64);
            let gz = tokio::task::spawn_blocking(move || encoding::gzip_into(&m, out))
                .await
                .map_err(|e| StoreError::Pool(e.to_string()))?;
            writer.write(tile, &mvt, &gz).await?;
        }
        tracing::debug!(layer.id = %id, z, tiles = writer.tiles() - before,
            elapsed_ms = u64::try_from(zoom_started.elapsed().as_millis()).unwrap_or(u64::MAX), "pre-rendered a zoom");
    }
    let revision = reader.revision();
    drop(reader);
    let tiles = writer.tiles();
    let kept = writer.finish(maxzoom).await?;
    tracing::info!(layer.id = %id, layer.revision = revision, tiles, maxzoom, kept,
        elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX), "pre-rendered low zooms");
    Ok(if kept { tiles } else { 0 })
}

/// The stored tiles of zooms `minzoom..=maxzoom` that `places` touch, in order; `None` when
/// there are more than a redraw renders.
pub fn touched(places: &[[f64; 4]], minzoom: u8, maxzoom: u8) -> Option<Vec<TileCoord>> {
    let mut wanted: Vec<TileCoord> = Vec::new();
    for z in minzoom..=maxzoom {
        for p in places {
            wanted.extend(TileCoord::covering(*p, z, MARGIN).take(REDRAW_BUDGET + 1));
        }
        wanted.sort_by_key(|t| (t.z, t.y, t.x));
        wanted.dedup();
        if wanted.len() > REDRAW_BUDGET {
            return None;
        }
    }
    Some(wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_redraws_of_a_layer_are_one() {
        let id = |s: &str| LayerId::new(s).unwrap();
        let b = [0.0, 0.0, 1.0, 1.0];
        let jobs = vec![
            Job::Redraw { layer: id("a"), places: vec![b] },
            Job::Whole { layer: id("b"), force: false },
            Job::Redraw { layer: id("c"), places: vec![b] },
            Job::Redraw { layer: id("a"), places: vec![b, b] },
        ];
        let merged = merge_redraws(jobs);
        assert_eq!(merged.len(), 3);
        assert!(matches!(&merged[0], Job::Redraw { layer, places } if layer.as_str() == "a" && places.len() == 3));
        assert!(matches!(&merged[1], Job::Whole { .. }));
    }

    #[test]
    fn an_edit_redraws_one_tile_per_zoom_and_a_province_the_layer() {
        let cm = TileCoord::new(12, 3174, 1830).unwrap().bounds_3857();
        let mid = [(cm[0] + cm[2]) / 2.0, (cm[1] + cm[3]) / 2.0];
        let dot = [mid[0], mid[1], mid[0] + 5.0, mid[1] + 5.0];
        let tiles = touched(&[dot, dot], 0, 10).unwrap();
        assert_eq!(tiles.len(), 11, "{tiles:?}");
        assert_eq!(tiles[10], TileCoord::new(10, 3174 >> 2, 1830 >> 2).unwrap());
        let province = [mid[0], mid[1], mid[0] + 1_000_000.0, mid[1] + 1_000_000.0];
        assert_eq!(touched(&[province], 0, 10), None);
    }

    #[test]
    fn counts_follow_the_pyramid() {
        let world = [-180.0, -85.0, 180.0, 85.0];
        assert_eq!(tile_count(world, 0), 1);
        assert_eq!(tile_count(world, 2), 16);
        let cm = [98.98, 18.78, 98.99, 18.79];
        assert_eq!(tile_count(cm, 10), 1);
    }
}
