//! The tiles a layer's features occupy at each zoom: a layer's box says little about its
//! tiles when it is mostly empty (a country with its sea, copies of a city's data on several
//! continents), and the pre-render budgets the tiles it will actually write.

use nexus_core::LayerId;

use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

use super::render::table;

impl Store {
    /// For each zoom `0..=deepest`, how many tiles hold a part of some feature's box.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn occupied_tiles(&self, layer: &LayerId, deepest: u8) -> StoreResult<Vec<u64>> {
        // The primary: a pre-render follows a write that a replica may not have replayed yet.
        let mut client = self.client().await?;
        // The tiles of the deepest zoom, once each; a shallower zoom's are their parents.
        let sql = format!(
            "WITH d AS (
                 SELECT DISTINCT tx, ty
                 FROM (SELECT {span} FROM {t} WHERE NOT ST_IsEmpty(geom_3857)) f,
                 LATERAL generate_series(f.tx0, f.tx1) AS tx,
                 LATERAL generate_series(f.ty0, f.ty1) AS ty
             )
             SELECT z, count(DISTINCT (tx >> ($1 - z), ty >> ($1 - z)))
             FROM d, generate_series(0, $1) AS z GROUP BY z ORDER BY z",
            span = tile_span("geom_3857", deepest, 0.0),
            t = table(layer)
        );
        // A job, as the pre-render it plans: a national layer takes seconds, over a request's budget.
        let tx = client.transaction().await.map_err(StoreError::query("occupied_tiles_begin"))?;
        tx.batch_execute(crate::budget::JOB).await.map_err(StoreError::query("occupied_tiles_budget"))?;
        let rows = tx.query(&sql, &[&i32::from(deepest)]).await.map_err(StoreError::layer_query("occupied_tiles"))?;
        tx.commit().await.map_err(StoreError::query("occupied_tiles_commit"))?;
        let mut counts = vec![0; usize::from(deepest) + 1];
        for r in rows {
            let (z, n): (i32, i64) = (r.get(0), r.get(1));
            if let (Some(c), Ok(n)) = (usize::try_from(z).ok().and_then(|z| counts.get_mut(z)), u64::try_from(n)) {
                *c = n;
            }
        }
        Ok(counts)
    }
}

/// The columns `tx0, tx1, ty0, ty1`: the first and last tile columns and rows at zoom `z` that
/// the box of `geom` (a 3857 geometry column) touches, widened by `margin` of a tile.
pub(super) fn tile_span(geom: &str, z: u8, margin: f64) -> String {
    let (half, last) = (nexus_core::WEB_MERCATOR_HALF, (1u32 << z) - 1);
    let side = 2.0 * half / f64::from(1u32 << z);
    format!(
        "greatest(0, floor((ST_XMin({geom}) + {half}) / {side} - {margin})::int) AS tx0,
         least({last}, floor((ST_XMax({geom}) + {half}) / {side} + {margin})::int) AS tx1,
         greatest(0, floor(({half} - ST_YMax({geom})) / {side} - {margin})::int) AS ty0,
         least({last}, floor(({half} - ST_YMin({geom})) / {side} + {margin})::int) AS ty1"
    )
}
