//! Tiles after feature edits: where the edits since a revision were (so that only the tiles
//! they touch are redrawn), one low-zoom tile rendered from geometry simplified to its grid
//! (as pre-rendering does), and the pre-rendered store's rows replaced tile by tile.

use nexus_core::{LayerId, TileCoord, WEB_MERCATOR_HALF};

use super::render::{layer_tile_sql, zxy, EXTENT};
use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

/// One feature edit's place: the layer's revision it made and a web-mercator box
/// `[xmin, ymin, xmax, ymax]` (an edit that moved a feature has two, where it was and is).
pub type EditPlace = (i64, [f64; 4]);

/// A re-rendered tile: where, its bytes and their gzip form (both empty for an empty tile).
pub type RedrawnTile = (TileCoord, Vec<u8>, Vec<u8>);

fn four(v: Option<Vec<f64>>) -> Option<[f64; 4]> {
    v.and_then(|b| <[f64; 4]>::try_from(b).ok())
}

impl Store {
    /// The places of `layer`'s feature edits with a revision in `(after, upto]`, oldest first.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn edit_places(&self, layer: &LayerId, after: i64, upto: i64) -> StoreResult<Vec<EditPlace>> {
        let rows = self
            .read_client()
            .await?
            .query(
                "SELECT revision, box_before, box_after FROM feature_edits
                 WHERE layer_id = $1 AND revision > $2 AND revision <= $3 ORDER BY revision",
                &[&layer.as_str(), &after, &upto],
            )
            .await
            .map_err(StoreError::query("edit_places"))?;
        Ok(rows
            .iter()
            .flat_map(|r| {
                let rev: i64 = r.get(0);
                [four(r.get(1)), four(r.get(2))].into_iter().flatten().map(move |b| (rev, b))
            })
            .collect())
    }

    /// A tile of a pre-rendered zoom drawn from geometry simplified to that zoom's grid unit
    /// (`tolerance` units), as pre-rendering draws it: a low-zoom tile of a large layer holds
    /// most of its features, and their full detail is lost in MVT anyway.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn render_simplified_tile(
        &self,
        layer: &LayerId,
        tile: TileCoord,
        tolerance: f64,
    ) -> StoreResult<Vec<u8>> {
        let unit = 2.0 * WEB_MERCATOR_HALF / f64::from(1u32 << tile.z) / f64::from(EXTENT) * tolerance;
        let sql = layer_tile_sql(layer, "ST_Simplify(geom_3857, $5, false)");
        let (z, x, y) = zxy(tile);
        let row = self
            .read_client()
            .await?
            .query_one(&sql, &[&z, &x, &y, &layer.as_str(), &unit])
            .await
            .map_err(StoreError::query("render_simplified_tile"))?;
        Ok(row.get::<_, Option<Vec<u8>>>(0).unwrap_or_default())
    }

    /// Replaces the stored rows of `tiles` with their drawing at `revision`, unless a newer one
    /// is there already (each row says which revision it draws; readers compare). Waits for a
    /// pre-render of the layer that is writing, whose older rows must not replace these.
    /// Returns the rows written.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn store_redrawn_tiles(&self, layer: &LayerId, revision: i64, tiles: &[RedrawnTile]) -> StoreResult<u64> {
        let mut client = self.job_client().await?;
        let tx = client.transaction().await.map_err(StoreError::query("redraw_begin"))?;
        tx.batch_execute(crate::budget::JOB).await.map_err(StoreError::query("redraw_begin"))?;
        tx.execute("SELECT pg_advisory_xact_lock(hashtext('nexus-prerender:' || $1))", &[&layer.as_str()])
            .await
            .map_err(StoreError::query("redraw_lock"))?;
        let mut zs = Vec::with_capacity(tiles.len());
        let mut xs = Vec::with_capacity(tiles.len());
        let mut ys = Vec::with_capacity(tiles.len());
        let mut mvts = Vec::with_capacity(tiles.len());
        let mut gzips = Vec::with_capacity(tiles.len());
        for (tile, mvt, gz) in tiles {
            let (z, x, y) = zxy(*tile);
            zs.push(i16::try_from(z).unwrap_or(i16::MAX));
            xs.push(x);
            ys.push(y);
            mvts.push(mvt.as_slice());
            gzips.push(gz.as_slice());
        }
        let written = tx
            .execute(
                "INSERT INTO tile_store (layer_id, revision, z, x, y, mvt, mvt_gzip)
                 SELECT $1, $2, t.z, t.x, t.y, t.mvt, t.gz
                 FROM unnest($3::int2[], $4::int4[], $5::int4[], $6::bytea[], $7::bytea[]) AS t(z, x, y, mvt, gz)
                 ON CONFLICT (layer_id, z, x, y) DO UPDATE
                     SET revision = EXCLUDED.revision, mvt = EXCLUDED.mvt, mvt_gzip = EXCLUDED.mvt_gzip
                     WHERE tile_store.revision < EXCLUDED.revision",
                &[&layer.as_str(), &revision, &zs, &xs, &ys, &mvts, &gzips],
            )
            .await
            .map_err(StoreError::query("redraw_write"))?;
        tx.commit().await.map_err(StoreError::query("redraw_commit"))?;
        Ok(written)
    }
}
