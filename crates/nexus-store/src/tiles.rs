//! Vector tiles: rendering one tile, reading and writing the pre-rendered tile store.
//!
//! The SQL follows Martin's recipe (`ST_AsMVTGeom` into `ST_AsMVT`, extent 4096, buffer 64,
//! clipping, a `&&` search on the tile envelope with a margin) but reads the stored 3857 copy,
//! so no geometry is reprojected per request. The only identifier in the SQL is the layer's
//! partition name, built from a validated [`LayerId`] and quoted; z/x/y and the MVT layer name
//! are bound parameters, and statements are prepared once per connection.

use std::pin::Pin;

use deadpool_postgres::Object;
use futures_util::{Stream, StreamExt};
use nexus_core::{FieldDef, FieldType, Layer, LayerId, LayerKind, Sector, TileCoord, Visibility};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

/// MVT extent (units across a tile).
pub const EXTENT: i32 = 4096;
/// Buffer around a tile, in extent units.
pub const BUFFER: i32 = 64;

fn table(layer: &LayerId) -> String {
    format!("\"f_{}\"", layer.as_str())
}

fn zxy(tile: TileCoord) -> (i32, i32, i32) {
    // z ≤ 24 and x, y < 2^24 always fit.
    (i32::from(tile.z), i32::try_from(tile.x).unwrap_or(i32::MAX), i32::try_from(tile.y).unwrap_or(i32::MAX))
}

/// A pre-rendered tile, raw and gzip-compressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTile {
    /// Uncompressed MVT bytes (empty for an empty tile).
    pub mvt: Vec<u8>,
    /// The same, gzip-compressed.
    pub gzip: Vec<u8>,
}

impl Store {
    /// Renders one tile of a layer from its features. An empty `Vec` means no feature there.
    ///
    /// # Errors
    /// When the layer has no partition yet or the query fails.
    pub async fn render_tile(&self, layer: &LayerId, tile: TileCoord) -> StoreResult<Vec<u8>> {
        let sql = if layer.as_str() == PROJECTS { projects_tile_sql() } else { layer_tile_sql(layer) };
        let client = self.client().await?;
        let stmt = client.prepare_typed_cached(&sql, &[Type::INT4, Type::INT4, Type::INT4, Type::TEXT]).await;
        let stmt = match stmt {
            Ok(s) => s,
            // A layer without data yet has no partition: it has no features either.
            Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE) => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::query("render_tile_prepare")(e)),
        };
        let (z, x, y) = zxy(tile);
        let row =
            client.query_one(&stmt, &[&z, &x, &y, &layer.as_str()]).await.map_err(StoreError::query("render_tile"))?;
        Ok(row.get::<_, Option<Vec<u8>>>(0).unwrap_or_default())
    }

    /// The public projects as a tile source: a catalog entry whose revision follows every
    /// change to the projects.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn projects_tile_source(&self) -> StoreResult<Layer> {
        let client = self.client().await?;
        let r = client
            .query_one(
                "SELECT (SELECT last_value FROM projects_revision), count(*),
                        ST_XMin(ST_Extent(geom)), ST_YMin(ST_Extent(geom)), ST_XMax(ST_Extent(geom)), ST_YMax(ST_Extent(geom)),
                        coalesce(max(updated_at), now())
                 FROM projects WHERE visibility = 'public' AND geom IS NOT NULL",
                &[],
            )
            .await
            .map_err(StoreError::query("projects_tile_source"))?;
        let bounds = match (
            r.get::<_, Option<f64>>(2),
            r.get::<_, Option<f64>>(3),
            r.get::<_, Option<f64>>(4),
            r.get::<_, Option<f64>>(5),
        ) {
            (Some(a), Some(b), Some(c), Some(d)) => Some([a, b, c, d]),
            _ => None,
        };
        let text = |n: &str| FieldDef { name: n.to_owned(), ty: FieldType::String };
        let updated: time::OffsetDateTime = r.get(6);
        Ok(Layer {
            id: LayerId::new(PROJECTS).map_err(|e| StoreError::Invalid(e.to_string()))?,
            title: "Nexus projects".to_owned(),
            description: Some("The cities' public Urban Nexus projects, by sector and status.".to_owned()),
            kind: LayerKind::ProjectFootprint,
            sectors: Sector::ALL.to_vec(),
            city: None,
            source: None,
            licence: None,
            attribution: None,
            title_local: None,
            approximate: false,
            visibility: Visibility::Public,
            geometry_type: None,
            bounds,
            fields: vec![
                text("slug"),
                text("title"),
                text("title_local"),
                text("city"),
                text("status"),
                text("kind"),
                text("sector"),
                text("sectors"),
                text("dimensions"),
                FieldDef { name: "cross_sector".to_owned(), ty: FieldType::Boolean },
                FieldDef { name: "approximate".to_owned(), ty: FieldType::Boolean },
            ],
            feature_count: r.get(1),
            revision: r.get(0),
            minzoom: 0,
            maxzoom: 22,
            created_at: updated,
            updated_at: updated,
            prerendered_revision: None,
            prerendered_maxzoom: None,
            cache_max_age: 60,
        })
    }
}

/// The tile source id of the projects.
pub const PROJECTS: &str = "projects";

/// A layer's tile: its partition's features.
fn layer_tile_sql(layer: &LayerId) -> String {
    format!(
        // ST_AsMVTGeom must run once per feature. A `WHERE geom IS NOT NULL` outside, or a
        // second aggregate over `geom`, makes PostgreSQL inline the subquery and compute it
        // twice (a z7 tile: 64-90 ms instead of 41); `OFFSET 0` keeps the subquery whole.
        // ST_AsMVT skips NULL geometries; count() tells an all-clipped tile from a real one.
        "SELECT CASE WHEN count(geom) > 0 THEN ST_AsMVT(t, $4, {EXTENT}, 'geom', 'fid') END FROM (
                 SELECT fid, properties,
                        ST_AsMVTGeom(geom_3857, ST_TileEnvelope($1, $2, $3), {EXTENT}, {BUFFER}, true) AS geom
                 FROM {table}
                 WHERE geom_3857 && ST_TileEnvelope($1, $2, $3, margin => {margin})
                 OFFSET 0
             ) t",
        table = table(layer),
        margin = f64::from(BUFFER) / f64::from(EXTENT),
    )
}

/// The projects' tile: public projects, with the properties a map styles and labels them by
/// (MVT values are scalars, so lists are comma-separated; `sector` is the first one).
fn projects_tile_sql() -> String {
    format!(
        "SELECT CASE WHEN count(geom) > 0 THEN ST_AsMVT(t, $4, {EXTENT}, 'geom', 'id') END FROM (
             SELECT id, jsonb_build_object('slug', slug, 'title', title, 'title_local', title_local, 'city', city,
                        'status', status, 'kind', kind, 'sector', sectors[1], 'sectors', array_to_string(sectors, ','),
                        'dimensions', array_to_string(dimensions, ','), 'cross_sector', cardinality(sectors) >= 2,
                        'approximate', approximate) AS properties,
                    ST_AsMVTGeom(geom_3857, ST_TileEnvelope($1, $2, $3), {EXTENT}, {BUFFER}, true) AS geom
             FROM projects
             WHERE visibility = 'public' AND geom_3857 && ST_TileEnvelope($1, $2, $3, margin => {margin})
             OFFSET 0
         ) t",
        margin = f64::from(BUFFER) / f64::from(EXTENT),
    )
}

impl Store {
    /// A tile from the pre-rendered store, if that revision has it. `Some` with empty bytes
    /// is never returned: empty tiles are not stored.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn stored_tile(
        &self,
        layer: &LayerId,
        revision: i64,
        tile: TileCoord,
    ) -> StoreResult<Option<StoredTile>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached("SELECT mvt, mvt_gzip FROM tile_store WHERE layer_id = $1 AND revision = $2 AND z = $3 AND x = $4 AND y = $5")
            .await
            .map_err(StoreError::query("stored_tile_prepare"))?;
        let (z, x, y) = zxy(tile);
        let z = i16::try_from(z).unwrap_or(i16::MAX);
        let row = client
            .query_opt(&stmt, &[&layer.as_str(), &revision, &z, &x, &y])
            .await
            .map_err(StoreError::query("stored_tile"))?;
        Ok(row.map(|r| StoredTile { mvt: r.get(0), gzip: r.get(1) }))
    }

    /// Opens a consistent snapshot of a layer for pre-rendering.
    ///
    /// # Errors
    /// When the layer does not exist or the query fails.
    pub async fn prerender_reader(&self, layer: &LayerId) -> StoreResult<PrerenderReader> {
        let client = self.client().await?;
        // Not READ ONLY: the cascade of simplified geometry lives in a temporary table.
        client
            .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            .await
            .map_err(StoreError::query("prerender_begin"))?;
        let row = client
            .query_opt("SELECT revision FROM layers WHERE id = $1", &[&layer.as_str()])
            .await
            .map_err(StoreError::query("prerender_revision"))?
            .ok_or_else(|| StoreError::Invalid(format!("no layer '{layer}'")))?;
        Ok(PrerenderReader { client: Some(client), layer: layer.clone(), revision: row.get(0), simplified: false })
    }

    /// Starts replacing a layer's pre-rendered tiles with those of `revision`; `None` when
    /// another process is pre-rendering this layer right now.
    ///
    /// # Errors
    /// When the database refuses.
    pub async fn tile_store_writer(&self, layer: &LayerId, revision: i64) -> StoreResult<Option<TileStoreWriter>> {
        let client = self.client().await?;
        client.batch_execute("BEGIN").await.map_err(StoreError::query("tile_store_begin"))?;
        let mine: bool = client
            .query_one("SELECT pg_try_advisory_xact_lock(hashtext('nexus-prerender:' || $1))", &[&layer.as_str()])
            .await
            .map_err(StoreError::query("tile_store_lock"))?
            .get(0);
        if !mine {
            client.batch_execute("ROLLBACK").await.map_err(StoreError::query("tile_store_rollback"))?;
            return Ok(None);
        }
        client
            .execute("DELETE FROM tile_store WHERE layer_id = $1", &[&layer.as_str()])
            .await
            .map_err(StoreError::query("tile_store_clear"))?;
        let sink = client
            .copy_in("COPY tile_store (layer_id, revision, z, x, y, mvt, mvt_gzip) FROM STDIN (FORMAT binary)")
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

/// A layer seen at one revision, rendered a whole zoom level at a time.
pub struct PrerenderReader {
    client: Option<Object>,
    layer: LayerId,
    revision: i64,
    simplified: bool,
}

impl PrerenderReader {
    /// The revision this snapshot shows.
    pub fn revision(&self) -> i64 {
        self.revision
    }

    /// Every non-empty tile of zoom `z` in one pass over the layer. Zooms must be asked for
    /// from the deepest up: the first call simplifies each feature to that zoom's grid unit
    /// (`tolerance` × unit; detail below a unit is lost in MVT anyway) into a temporary
    /// table, and each shallower zoom simplifies the previous zoom's result again, so the
    /// work shrinks with every step instead of starting over from the full geometry.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn zoom(
        &mut self,
        z: u8,
        tolerance: f64,
    ) -> StoreResult<impl Stream<Item = StoreResult<(u32, u32, Vec<u8>)>> + '_> {
        let client = self.client.as_ref().ok_or_else(|| StoreError::Pool("prerender reader closed".into()))?;
        let unit = 2.0 * nexus_core::WEB_MERCATOR_HALF / f64::from(1u32 << z) / f64::from(EXTENT) * tolerance;
        let source = if self.simplified { "nexus_prerender".to_owned() } else { table(&self.layer) };
        let column = if self.simplified { "g" } else { "geom_3857" };
        client
            .batch_execute(&format!(
                "CREATE TEMP TABLE nexus_prerender_next AS
                     SELECT fid, properties, ST_Simplify({column}, {unit}, false) AS g FROM {source};
                 DELETE FROM nexus_prerender_next WHERE g IS NULL OR ST_IsEmpty(g);
                 DROP TABLE IF EXISTS nexus_prerender;
                 ALTER TABLE nexus_prerender_next RENAME TO nexus_prerender;"
            ))
            .await
            .map_err(StoreError::query("prerender_simplify"))?;
        self.simplified = true;
        let sql = format!(
            "WITH p AS (SELECT 2 * 20037508.342789244 / (1::bigint << $1)::float8 AS size, (1 << $1) - 1 AS last),
             t AS (
                 SELECT f.fid, f.properties, f.g, tx, ty
                 FROM nexus_prerender f, p,
                 LATERAL generate_series(
                     greatest(0, floor((ST_XMin(f.g) + 20037508.342789244) / p.size - {m})::int),
                     least(p.last, floor((ST_XMax(f.g) + 20037508.342789244) / p.size + {m})::int)) AS tx,
                 LATERAL generate_series(
                     greatest(0, floor((20037508.342789244 - ST_YMax(f.g)) / p.size - {m})::int),
                     least(p.last, floor((20037508.342789244 - ST_YMin(f.g)) / p.size + {m})::int)) AS ty
             ),
             -- MATERIALIZED: referenced twice below, an inlined q would clip every feature twice.
             q AS MATERIALIZED (
                 SELECT tx, ty, fid, properties,
                        ST_AsMVTGeom(g, ST_TileEnvelope($1, tx, ty), {EXTENT}, {BUFFER}, true) AS geom
                 FROM t
             )
             SELECT tx, ty, ST_AsMVT(r, $2, {EXTENT}, 'geom', 'fid')
             FROM q, LATERAL (SELECT q.fid, q.properties, q.geom) r
             GROUP BY tx, ty
             HAVING count(q.geom) > 0",
            m = f64::from(BUFFER) / f64::from(EXTENT),
        );
        let z = i32::from(z);
        let name = self.layer.as_str().to_owned();
        let params: Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>> = vec![Box::new(z), Box::new(name)];
        let rows = client
            .query_raw(&sql, params.iter().map(|p| &**p as &(dyn tokio_postgres::types::ToSql + Sync)))
            .await
            .map_err(StoreError::query("prerender_zoom"))?;
        Ok(rows.map(|r| {
            let r = r.map_err(StoreError::query("prerender_row"))?;
            let x: i32 = r.get(0);
            let y: i32 = r.get(1);
            Ok((u32::try_from(x).unwrap_or(0), u32::try_from(y).unwrap_or(0), r.get::<_, Vec<u8>>(2)))
        }))
    }
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
    /// layer moved on to a newer revision meanwhile (then nothing is kept). Returns whether
    /// the tiles were kept.
    ///
    /// # Errors
    /// When the server refuses.
    pub async fn finish(mut self, maxzoom: u8) -> StoreResult<bool> {
        if let Some(mut w) = self.writer.take() {
            w.as_mut().finish().await.map_err(StoreError::query("tile_store_copy_end"))?;
        }
        let client = self.client.take().ok_or_else(|| StoreError::Pool("tile store writer finished".into()))?;
        let kept = client
            .execute(
                "UPDATE layers SET prerendered_revision = $2, prerendered_maxzoom = $3 WHERE id = $1 AND revision = $2",
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
