//! Pre-rendering: a layer read a zoom level at a time (in strips of tile columns) at one
//! revision, and the tile store written by binary `COPY`.

use std::pin::Pin;

use deadpool_postgres::Object;
use futures_util::{Stream, StreamExt, TryStreamExt};
use nexus_core::{LayerId, TileCoord};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

use super::crowded::{kept, SIZE, WEIGHT};
use super::render::{table, tile_span, zxy, BUFFER, EXTENT};

impl Store {
    /// Opens a consistent snapshot of a layer for pre-rendering.
    ///
    /// # Errors
    /// When the layer does not exist or the query fails.
    pub async fn prerender_reader(&self, layer: &LayerId) -> StoreResult<PrerenderReader> {
        let client = self.client().await?;
        // Not READ ONLY: the cascade of simplified geometry lives in a temporary table.
        // A background job: a layer's simplification and low zooms may take minutes. A strip
        // of a zoom (below) is sorted and grouped in memory.
        client
            .batch_execute(&format!(
                "BEGIN ISOLATION LEVEL REPEATABLE READ; {}; SET LOCAL work_mem = '{STRIP_MEMORY}'",
                crate::budget::LONG_JOB
            ))
            .await
            .map_err(StoreError::query("prerender_begin"))?;
        let row = client
            .query_opt("SELECT revision FROM layers WHERE id = $1", &[&layer.as_str()])
            .await
            .map_err(StoreError::query("prerender_revision"))?
            .ok_or_else(|| StoreError::Invalid(format!("no layer '{layer}'")))?;
        Ok(PrerenderReader { client: Some(client), layer: layer.clone(), revision: row.get(0), simplified: None })
    }

    /// Starts replacing a layer's pre-rendered tiles with those of `revision`; `None` when
    /// another process is pre-rendering this layer right now or has pre-rendered `revision`.
    ///
    /// # Errors
    /// When the database refuses.
    pub async fn tile_store_writer(&self, layer: &LayerId, revision: i64) -> StoreResult<Option<TileStoreWriter>> {
        let client = self.client().await?;
        // Its COPY lasts the whole render of the layer's low zooms.
        client
            .batch_execute(&format!("BEGIN; {}", crate::budget::LONG_JOB))
            .await
            .map_err(StoreError::query("tile_store_begin"))?;
        let mine: bool = client
            .query_one("SELECT pg_try_advisory_xact_lock(hashtext('nexus-prerender:' || $1))", &[&layer.as_str()])
            .await
            .map_err(StoreError::query("tile_store_lock"))?
            .get(0);
        // Another instance may have finished this revision between our look at the catalog and
        // the lock: then it is done, not to be done twice.
        let done = mine
            && client
                .query_opt(
                    "SELECT 1 FROM layers WHERE id = $1 AND prerendered_revision >= $2 AND prerendered_revision >= edit_base",
                    &[&layer.as_str(), &revision],
                )
                .await
                .map_err(StoreError::query("tile_store_done"))?
                .is_some();
        if !mine || done {
            client.batch_execute("ROLLBACK").await.map_err(StoreError::query("tile_store_rollback"))?;
            return Ok(None);
        }
        // Rows newer than this revision are tiles redrawn after feature edits made while it
        // rendered: they stay, and the new rows join them through a staging table. Rows from
        // beyond the layer's revision belong to an earlier layer of the same id.
        client
            .execute(
                "DELETE FROM tile_store WHERE layer_id = $1
                     AND (revision <= $2 OR revision > (SELECT revision FROM layers WHERE id = $1))",
                &[&layer.as_str(), &revision],
            )
            .await
            .map_err(StoreError::query("tile_store_clear"))?;
        client
            .batch_execute("CREATE TEMP TABLE nexus_tile_stage (LIKE tile_store INCLUDING STORAGE) ON COMMIT DROP")
            .await
            .map_err(StoreError::query("tile_store_stage"))?;
        let sink = client
            .copy_in("COPY nexus_tile_stage (layer_id, revision, z, x, y, mvt, mvt_gzip) FROM STDIN (FORMAT binary)")
            .await
            .map_err(StoreError::query("tile_store_copy"))?;
        let types = [Type::TEXT, Type::INT8, Type::INT2, Type::INT4, Type::INT4, Type::BYTEA, Type::BYTEA];
        let writer = Box::pin(BinaryCopyInWriter::new(sink, &types));
        Ok(Some(TileStoreWriter {
            client: Some(client),
            layer: layer.clone(),
            revision,
            writer: Some(writer),
            tiles: 0,
        }))
    }
}

/// A layer seen at one revision, rendered a zoom level at a time.
pub struct PrerenderReader {
    client: Option<Object>,
    layer: LayerId,
    revision: i64,
    /// What `nexus_prerender` holds, once it holds something.
    simplified: Option<Simplified>,
}

/// The features in `nexus_prerender`: simplified for `zoom` at `tolerance` (its bits), with
/// narrow ones reaching at most `reach` columns.
#[derive(Clone, Copy)]
struct Simplified {
    zoom: u8,
    tolerance: u64,
    reach: i32,
}

impl PrerenderReader {
    /// The revision this snapshot shows.
    pub fn revision(&self) -> i64 {
        self.revision
    }

    /// The reader's connection, inside its snapshot.
    pub(super) fn client(&self) -> StoreResult<&Object> {
        self.client.as_ref().ok_or_else(|| StoreError::Pool("prerender reader closed".into()))
    }

    /// [`Self::simplify`] unless `nexus_prerender` holds zoom `z` at `tolerance` already.
    pub(super) async fn simplified_for(&mut self, z: u8, tolerance: f64) -> StoreResult<i32> {
        match self.simplified {
            Some(s) if s.zoom == z && s.tolerance == tolerance.to_bits() => Ok(s.reach),
            _ => self.simplify(z, tolerance).await,
        }
    }

    /// Simplifies each feature to zoom `z`'s grid unit (`tolerance` × unit) into the temporary
    /// table `nexus_prerender`, from the previous simplification if there was one, with the
    /// columns and rows of the tiles each touches. Returns the narrow features' reach.
    async fn simplify(&mut self, z: u8, tolerance: f64) -> StoreResult<i32> {
        let client = self.client()?;
        let unit = 2.0 * nexus_core::WEB_MERCATOR_HALF / f64::from(1u32 << z) / f64::from(EXTENT) * tolerance;
        let (source, column, size) = if self.simplified.is_some() {
            ("nexus_prerender".to_owned(), "g", "r")
        } else {
            (table(&self.layer), "geom_3857", SIZE)
        };
        // Each feature with the columns and rows of the tiles its box (and the tiles' buffer) touches.
        let span = tile_span("g", z, f64::from(BUFFER) / f64::from(EXTENT));
        client
            .batch_execute(&format!(
                "CREATE TEMP TABLE nexus_prerender_next AS
                     SELECT fid, properties, r, g, {span}
                     -- OFFSET 0: simplified once, not once for each column that reads it.
                     FROM (SELECT fid, properties, {size} AS r, ST_Simplify({column}, {unit}, false) AS g FROM {source} OFFSET 0) s
                     WHERE g IS NOT NULL AND NOT ST_IsEmpty(g);
                 DROP TABLE IF EXISTS nexus_prerender;
                 ALTER TABLE nexus_prerender_next RENAME TO nexus_prerender;"
            ))
            .await
            .map_err(StoreError::query("prerender_simplify"))?;
        let reach = reach(client).await?;
        client
            .batch_execute(&format!(
                "CREATE INDEX ON nexus_prerender (tx0);
                 CREATE INDEX ON nexus_prerender (tx0) WHERE tx1 - tx0 > {reach};"
            ))
            .await
            .map_err(StoreError::query("prerender_index"))?;
        self.simplified = Some(Simplified { zoom: z, tolerance: tolerance.to_bits(), reach });
        Ok(reach)
    }

    /// Every non-empty tile of zoom `z`. Zooms must be asked for from the deepest up: the
    /// first call simplifies each feature to that zoom's grid unit (`tolerance` × unit; detail
    /// below a unit is lost in MVT anyway) into a temporary table, and each shallower zoom
    /// simplifies the previous zoom's result again, so the work shrinks with every step
    /// instead of starting over from the full geometry. A crowded tile keeps its largest
    /// features, as a tile drawn on request does.
    ///
    /// The zoom is drawn in strips of tile columns holding about [`STRIP_FEATURES`] features
    /// each: one statement for a whole national layer sorted and grouped a gigabyte of clipped
    /// features on disk, and its time grew faster than the layer. Each strip reads only the
    /// features that reach into it (see [`reach`]).
    ///
    /// # Errors
    /// When the query fails.
    pub async fn zoom(
        &mut self,
        z: u8,
        tolerance: f64,
    ) -> StoreResult<impl Stream<Item = StoreResult<(u32, u32, Vec<u8>)>> + '_> {
        let reach = self.simplified_for(z, tolerance).await?;
        let client = self.client()?;
        let strips = strips(client, (1u32 << z) - 1).await?;
        // A strip reads the features whose columns reach into it: narrow ones from at most
        // `reach` columns left of it by the index on their first column, the few wider ones
        // by their own index.
        let sql = format!(
            "WITH t AS (
                 SELECT f.fid, f.properties, f.g, f.r, tx, ty
                 FROM nexus_prerender f,
                 LATERAL generate_series(greatest(f.tx0, $3), least(f.tx1, $4)) AS tx,
                 LATERAL generate_series(f.ty0, f.ty1) AS ty
                 WHERE f.tx0 <= $4 AND f.tx1 >= $3 AND (f.tx0 >= $3 - {reach} OR f.tx1 - f.tx0 > {reach})
             ),
             -- MATERIALIZED, and OFFSET 0 below: read more than once, an inlined q would clip
             -- every feature again for each reader.
             q AS MATERIALIZED (
                 SELECT tx, ty, fid, properties, geom, r, {WEIGHT} AS w FROM (
                     SELECT tx, ty, fid, properties, r,
                            ST_AsMVTGeom(g, ST_TileEnvelope($1, tx, ty), {EXTENT}, {BUFFER}, true) AS geom
                     FROM t
                     OFFSET 0
                 ) c
                 WHERE geom IS NOT NULL
             ), {kept}
             SELECT tx, ty, ST_AsMVT(k, $2, {EXTENT}, 'geom', 'fid')
             FROM kept, LATERAL (SELECT kept.fid, kept.properties, kept.geom) k
             GROUP BY tx, ty",
            kept = kept(&["tx", "ty"], "q.r"),
        );
        let z = i32::from(z);
        let name = self.layer.as_str().to_owned();
        let rows = futures_util::stream::iter(strips)
            .then(move |(a, b)| {
                let (sql, name) = (sql.clone(), name.clone());
                async move {
                    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 4] = [&z, &name, &a, &b];
                    client.query_raw(&sql, params).await
                }
            })
            .try_flatten();
        Ok(rows.map(|r| {
            let r = r.map_err(StoreError::query("prerender_zoom"))?;
            let x: i32 = r.get(0);
            let y: i32 = r.get(1);
            Ok((u32::try_from(x).unwrap_or(0), u32::try_from(y).unwrap_or(0), r.get::<_, Vec<u8>>(2)))
        }))
    }
}

/// Features of about this many per strip of a zoom: their clipped geometry (at most a few
/// tens of MB) is sorted and grouped within [`STRIP_MEMORY`].
const STRIP_FEATURES: i64 = 10_000;
/// `work_mem` of a pre-render's reading transaction.
const STRIP_MEMORY: &str = "64MB";
/// At most this share of a zoom's features (or [`WIDE_FEW`], if more) are wide: found through
/// an index of their own by every strip, rather than by looking further left of each strip.
const WIDE_SHARE: i64 = 100;
/// See [`WIDE_SHARE`].
const WIDE_FEW: i64 = 100;

/// How many columns left of a strip its narrow features may start: the fewest that leave at
/// most [`WIDE_SHARE`] of the features wider. A fixed reach (16 columns) made each strip of
/// a low zoom look through most of a national layer: at zoom 7 a million polygons took 17×
/// the villages' time for 12× the tiles.
async fn reach(client: &Object) -> StoreResult<i32> {
    let rows = client
        .query("SELECT tx1 - tx0, count(*) FROM nexus_prerender GROUP BY 1 ORDER BY 1 DESC", &[])
        .await
        .map_err(StoreError::query("prerender_reach"))?;
    let total: i64 = rows.iter().map(|r| r.get::<_, i64>(1)).sum();
    let allowed = (total / WIDE_SHARE).max(WIDE_FEW);
    // From the widest down: the reach is the width below which the wider ones stay allowed.
    let mut wider = 0;
    for r in &rows {
        let (width, n): (i32, i64) = (r.get(0), r.get(1));
        if wider + n > allowed {
            return Ok(width);
        }
        wider += n;
    }
    Ok(0)
}

/// The strips of tile columns (first, last) of the zoom in `nexus_prerender`, together
/// covering `0..=last`, each starting about [`STRIP_FEATURES`] features after the one before.
async fn strips(client: &Object, last: u32) -> StoreResult<Vec<(i32, i32)>> {
    let rows = client
        .query("SELECT tx0, count(*) FROM nexus_prerender GROUP BY tx0 ORDER BY tx0", &[])
        .await
        .map_err(StoreError::query("prerender_strips"))?;
    let last = i32::try_from(last).unwrap_or(i32::MAX);
    let mut out: Vec<(i32, i32)> = Vec::new();
    let (mut first, mut held) = (0, 0);
    for r in rows {
        let (column, n): (i32, i64) = (r.get(0), r.get(1));
        if held > 0 && held + n > STRIP_FEATURES {
            out.push((first, column - 1));
            (first, held) = (column, 0);
        }
        held += n;
    }
    out.push((first, last));
    Ok(out)
}

/// Writes a revision's tiles into the store, replacing the layer's previous ones, in one
/// transaction.
pub struct TileStoreWriter {
    client: Option<Object>,
    layer: LayerId,
    revision: i64,
    writer: Option<Pin<Box<BinaryCopyInWriter>>>,
    tiles: u64,
}

impl TileStoreWriter {
    /// Adds a tile.
    ///
    /// # Errors
    /// When the server refuses the row.
    pub async fn write(&mut self, tile: TileCoord, mvt: &[u8], gzip: &[u8]) -> StoreResult<()> {
        let (z, x, y) = zxy(tile);
        let z = i16::try_from(z).unwrap_or(i16::MAX);
        let w = self.writer.as_mut().ok_or_else(|| StoreError::Pool("tile store writer finished".into()))?;
        w.as_mut()
            .write(&[&self.layer.as_str(), &self.revision, &z, &x, &y, &mvt, &gzip])
            .await
            .map_err(StoreError::query("tile_store_row"))?;
        self.tiles += 1;
        Ok(())
    }

    /// Records that zooms `0..=maxzoom` of the revision are complete and commits, unless the
    /// layer changed as a whole meanwhile (then nothing is kept; feature edits do not count). Returns whether
    /// the tiles were kept.
    ///
    /// # Errors
    /// When the server refuses.
    pub async fn finish(mut self, maxzoom: u8) -> StoreResult<bool> {
        if let Some(mut w) = self.writer.take() {
            w.as_mut().finish().await.map_err(StoreError::query("tile_store_copy_end"))?;
        }
        let client = self.client.take().ok_or_else(|| StoreError::Pool("tile store writer finished".into()))?;
        client
            .batch_execute(
                "INSERT INTO tile_store SELECT * FROM nexus_tile_stage
                 ON CONFLICT (layer_id, z, x, y) DO UPDATE
                     SET revision = EXCLUDED.revision, mvt = EXCLUDED.mvt, mvt_gzip = EXCLUDED.mvt_gzip
                     WHERE tile_store.revision < EXCLUDED.revision",
            )
            .await
            .map_err(StoreError::query("tile_store_unstage"))?;
        let kept = client
            .execute(
                // Kept while the layer is of the same generation: edits made during the render
                // are redrawn tile by tile after it (`edit_places` since this revision).
                "UPDATE layers SET prerendered_revision = $2, prerendered_maxzoom = $3 WHERE id = $1 AND edit_base <= $2",
                &[&self.layer.as_str(), &self.revision, &i16::from(maxzoom)],
            )
            .await
            .map_err(StoreError::query("tile_store_mark"))?;
        client
            .batch_execute(if kept == 1 { "COMMIT" } else { "ROLLBACK" })
            .await
            .map_err(StoreError::query("tile_store_commit"))?;
        Ok(kept == 1)
    }

    /// Tiles written so far.
    pub fn tiles(&self) -> u64 {
        self.tiles
    }
}

impl Drop for TileStoreWriter {
    fn drop(&mut self) {
        // Unfinished: close the connection so the transaction rolls back.
        self.writer = None;
        if let Some(c) = self.client.take() {
            drop(Object::take(c));
        }
    }
}

impl Drop for PrerenderReader {
    fn drop(&mut self) {
        // The connection is inside a read-only snapshot: close it rather than pool it.
        if let Some(c) = self.client.take() {
            drop(Object::take(c));
        }
    }
}
