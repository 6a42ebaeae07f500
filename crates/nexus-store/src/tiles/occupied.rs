//! The tiles a layer's features occupy at each zoom: a layer's box says little about its
//! tiles when it is mostly empty (a country with its sea, copies of a city's data on several
//! continents), and the pre-render budgets the tiles it will actually write.

use crate::error::{StoreError, StoreResult};

use super::stored::PrerenderReader;

impl PrerenderReader {
    /// For each zoom `0..=deepest`, how many tiles some feature's box reaches into, buffer
    /// included: the tiles a pre-render of `deepest` writes. The boxes are those the
    /// pre-render computes anyway, of the features simplified for `deepest`, so the render
    /// goes on from there. Counting from the layer's own table read a national layer twice
    /// (the count took 5 to 20 s of a million villages' pre-render, this one 3 s), and a
    /// feature too small to draw is not counted.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn occupied_tiles(&mut self, deepest: u8, tolerance: f64) -> StoreResult<Vec<u64>> {
        self.simplified_for(deepest, tolerance).await?;
        let client = self.client()?;
        // The tiles of the deepest zoom, once each; a shallower zoom's are their parents.
        let sql = "WITH d AS (
                 SELECT DISTINCT tx, ty
                 FROM nexus_prerender f,
                 LATERAL generate_series(f.tx0, f.tx1) AS tx,
                 LATERAL generate_series(f.ty0, f.ty1) AS ty
             )
             SELECT z, count(DISTINCT (tx >> ($1 - z), ty >> ($1 - z)))
             FROM d, generate_series(0, $1) AS z GROUP BY z ORDER BY z";
        let rows = client.query(sql, &[&i32::from(deepest)]).await.map_err(StoreError::query("occupied_tiles"))?;
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
