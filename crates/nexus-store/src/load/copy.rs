//! An ingest in progress: the transaction, the catalog row locked, the table the features go
//! to, and the binary `COPY` of the features (repairs of invalid ones included).

use std::pin::Pin;

use deadpool_postgres::Object;
use nexus_core::{GeometryFamily, Layer, LayerId, LayerKind, LayerMeta};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{Kind, Type};

use super::types::{LoadGuard, LoadMode, Repair};
use crate::error::{StoreError, StoreResult};
use crate::layers::{layer_from_row, LAYER_COLUMNS};
use crate::pool::Store;
use crate::sqltypes::{JsonbText, WkbGeometry};

/// An ingest in progress: a connection inside an open transaction.
pub struct LayerLoad {
    pub(super) client: Option<Object>,
    pub(super) layer: LayerId,
    pub(super) meta: LayerMeta,
    pub(super) mode: LoadMode,
    pub(super) existing: Option<Layer>,
    /// Quoted name of the table being written.
    pub(super) target: String,
    /// Unquoted name of the live partition.
    pub(super) live: String,
    pub(super) fid_base: i64,
    pub(super) geometry: Type,
    pub(super) writer: Option<Pin<Box<BinaryCopyInWriter>>>,
    /// The target table was made by this load's transaction, so its rows may be written
    /// frozen.
    pub(super) fresh: bool,
    pub(super) copied: u64,
    /// Earlier data revisions to keep (the store's `layer_history`).
    pub(super) keep: u32,
}

impl std::fmt::Debug for LayerLoad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LayerLoad").field("layer", &self.layer).field("mode", &self.mode).finish_non_exhaustive()
    }
}

/// Geometries are compressed as they are stored; lz4 does it several times faster than
/// PostgreSQL's default (pglz took a fifth of the database's time in an ingest), where the
/// server was built with it.
const LZ4: &str = "SELECT set_config('default_toast_compression', 'lz4', true) FROM pg_settings \
                   WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)";

impl Store {
    /// Opens a transaction, locks (or creates) the layer's catalog row and prepares the table
    /// the features go to.
    ///
    /// # Errors
    /// When the layer's city is unknown, or the database refuses.
    pub async fn begin_load(
        &self,
        layer: &LayerId,
        meta: LayerMeta,
        mode: LoadMode,
        guard: Option<&LoadGuard>,
    ) -> StoreResult<LayerLoad> {
        if layer.is_reserved() {
            return Err(StoreError::Invalid(format!(
                "layer id '{layer}' is reserved for Nexus Atlas's own collections ({}); choose another",
                LayerId::RESERVED.join(", ")
            )));
        }
        let client = self.job_client().await?;
        client
            .batch_execute(&format!("BEGIN; {}; {LZ4}", crate::budget::JOB))
            .await
            .map_err(StoreError::query("load_begin"))?;
        let mut load = LayerLoad {
            client: Some(client),
            layer: layer.clone(),
            meta,
            mode,
            existing: None,
            target: String::new(),
            live: format!("f_{}", layer.as_str()),
            fid_base: 0,
            geometry: Type::BYTEA,
            writer: None,
            fresh: false,
            copied: 0,
            keep: self.layer_history,
        };
        load.prepare(guard).await?;
        Ok(load)
    }
}

impl LayerLoad {
    pub(super) fn client(&self) -> &Object {
        self.client.as_ref().unwrap_or_else(|| unreachable!("client is present until finish"))
    }

    async fn prepare(&mut self, guard: Option<&LoadGuard>) -> StoreResult<()> {
        let id = self.layer.as_str().to_owned();
        if let Some(city) = &self.meta.city {
            let known = self
                .client()
                .query_opt("SELECT 1 FROM cities WHERE slug = $1", &[&city.as_str()])
                .await
                .map_err(StoreError::query("load_city"))?;
            if known.is_none() {
                return Err(StoreError::Invalid(format!(
                    "city '{city}' is not in the atlas; load it into data/cities.geojson first or leave --city out"
                )));
            }
        }
        // Two loads making the same new layer would both find no row to lock and both insert
        // it; this lock makes the second wait and then replace what the first made.
        self.client()
            .execute("SELECT pg_advisory_xact_lock(hashtext('layer:' || $1))", &[&id])
            .await
            .map_err(StoreError::query("load_lock_id"))?;
        let before = self
            .client()
            .query_opt(&format!("SELECT {LAYER_COLUMNS} FROM layers WHERE id = $1 FOR UPDATE"), &[&id])
            .await
            .map_err(StoreError::query("load_lock_layer"))?;
        self.existing = before.as_ref().map(layer_from_row).transpose()?;
        if guard.is_some_and(|g| !(g.0)(self.existing.as_ref())) {
            return Err(StoreError::Forbidden(format!(
                "layer '{id}' changed while the file was sent, and your roles do not allow this upload any more"
            )));
        }
        if self.existing.is_none() {
            self.create_layer(&id).await?;
        }
        let oid: u32 = self
            .client()
            .query_one("SELECT 'geometry'::regtype::oid", &[])
            .await
            .map_err(StoreError::query("load_geometry_oid"))?
            .get(0);
        self.geometry = Type::new("geometry".into(), oid, Kind::Simple, "public".into());

        let live_exists: bool = self
            .client()
            .query_one("SELECT to_regclass(quote_ident($1)) IS NOT NULL", &[&self.live])
            .await
            .map_err(StoreError::query("load_partition_exists"))?
            .get(0);
        // Identifiers below are built from a validated LayerId ([a-z0-9_-]) and always quoted.
        match self.mode {
            LoadMode::Replace => {
                self.target = format!("\"{}__new\"", self.live);
                self.client()
                    .batch_execute(&format!(
                        "CREATE TABLE {t} (LIKE features INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS);
                         ALTER TABLE {t} ADD CHECK (layer_id = '{id}')",
                        t = self.target,
                    ))
                    .await
                    .map_err(StoreError::query("load_create_table"))?;
                self.fresh = true;
            }
            LoadMode::Append => {
                self.target = format!("\"{}\"", self.live);
                if live_exists {
                    self.fid_base = self
                        .client()
                        .query_one(&format!("SELECT coalesce(max(fid), 0) FROM {}", self.target), &[])
                        .await
                        .map_err(StoreError::query("load_max_fid"))?
                        .get(0);
                } else {
                    self.client()
                        .batch_execute(&format!(
                            "CREATE TABLE {} PARTITION OF features FOR VALUES IN ('{id}')",
                            self.target
                        ))
                        .await
                        .map_err(StoreError::query("load_create_partition"))?;
                    self.fresh = true;
                }
            }
        }
        Ok(())
    }

    /// The catalog entry as it was before this load, if the layer existed.
    pub fn existing(&self) -> Option<&Layer> {
        self.existing.as_ref()
    }

    /// Writes one feature through `COPY`. `n` is its 1-based number in the source; its
    /// feature id is `n` (plus the previous maximum, when appending).
    ///
    /// # Errors
    /// When the server refuses the row (the whole load is then lost).
    pub async fn write(&mut self, n: i64, wkb: &[u8], properties: &str) -> StoreResult<()> {
        if self.writer.is_none() {
            // Rows written frozen into a table this transaction made (no one else can see it
            // before the commit) need no hint bits and no freezing later: without it the first
            // reads after a national ingest set every row's hint bits and autovacuum then
            // rewrote the table's pages, both while the pre-render was reading it.
            let freeze = if self.fresh { ", FREEZE" } else { "" };
            let sink = self
                .client()
                .copy_in(&format!(
                    "COPY {} (layer_id, fid, geom, properties) FROM STDIN (FORMAT binary{freeze})",
                    self.target
                ))
                .await
                .map_err(StoreError::query("load_copy_start"))?;
            let types = vec![Type::TEXT, Type::INT8, self.geometry.clone(), Type::JSONB];
            self.writer = Some(Box::pin(BinaryCopyInWriter::new(sink, &types)));
        }
        let fid = self.fid_base + n;
        let geom = WkbGeometry { wkb, srid: 4326 };
        let props = JsonbText(properties);
        let writer = self.writer.as_mut().unwrap_or_else(|| unreachable!("writer was just set"));
        writer
            .as_mut()
            .write(&[&self.layer.as_str(), &fid, &geom, &props])
            .await
            .map_err(StoreError::query("load_copy_row"))?;
        self.copied += 1;
        Ok(())
    }

    /// Ends the `COPY`; returns how many rows it wrote.
    ///
    /// # Errors
    /// When the server refuses the data.
    pub async fn end_copy(&mut self) -> StoreResult<u64> {
        if let Some(writer) = self.writer.take() {
            let mut writer = writer;
            writer.as_mut().finish().await.map_err(StoreError::query("load_copy_end"))?;
        }
        Ok(self.copied)
    }

    /// Repairs an invalid geometry with `ST_MakeValid`, keeps only the layer's family
    /// (`ST_CollectionExtract`) and stores it, unless nothing of that family is left.
    /// Call after [`LayerLoad::end_copy`].
    ///
    /// # Errors
    /// When the server refuses.
    pub async fn repair(
        &mut self,
        n: i64,
        wkb: &[u8],
        properties: &str,
        family: GeometryFamily,
    ) -> StoreResult<Repair> {
        let extract: i32 = match family {
            GeometryFamily::Point => 1,
            GeometryFamily::Line => 2,
            GeometryFamily::Polygon => 3,
        };
        let geom = WkbGeometry { wkb, srid: 4326 };
        let props = JsonbText(properties);
        let fid = self.fid_base + n;
        let row = self
            .client()
            .query_one(
                &format!(
                    "WITH src AS (SELECT $3::geometry AS g),
                          fixed AS (SELECT ST_IsValidReason(g) AS reason,
                                           ST_CollectionExtract(ST_MakeValid(g), $5::int) AS r FROM src),
                          ins AS (INSERT INTO {} (layer_id, fid, geom, properties)
                                  SELECT $1, $2, r, $4::jsonb FROM fixed WHERE NOT ST_IsEmpty(r)
                                  RETURNING 1)
                     SELECT reason, (SELECT count(*) FROM ins) FROM fixed",
                    self.target
                ),
                &[&self.layer.as_str(), &fid, &geom, &props, &extract],
            )
            .await
            .map_err(StoreError::query("load_repair"))?;
        let reason: String = row.get(0);
        let stored: i64 = row.get(1);
        Ok(if stored > 0 {
            self.copied += 1;
            Repair::Repaired { reason }
        } else {
            Repair::Collapsed { reason }
        })
    }
}

impl LayerLoad {
    /// The catalog row of a layer loaded for the first time (refused for the id of a deleted
    /// layer, whose history waits for a restore or a purge).
    async fn create_layer(&self, id: &str) -> StoreResult<()> {
        let deleted: bool = self
            .client()
            .query_one("SELECT EXISTS (SELECT 1 FROM layer_revisions WHERE layer_id = $1)", &[&id])
            .await
            .map_err(StoreError::query("load_deleted"))?
            .get(0);
        if deleted {
            return Err(StoreError::Deleted(format!(
                "layer '{id}' was deleted: restore it (POST /api/layers/{id}/restore) or remove it for good \
                 (nexus purge) before using its id again"
            )));
        }
        let title = self.meta.title.clone().unwrap_or_else(|| id.to_owned());
        let kind = self.meta.kind.unwrap_or(LayerKind::Other).as_str();
        // A purged layer's id used again counts on from the old layer's edits, so that no
        // revision means two things to the tiles and overlays that follow feature edits.
        self.client()
            .execute(
                "INSERT INTO layers (id, title, kind, revision, edit_base)
                 SELECT $1, $2, $3, r, r FROM (SELECT coalesce(max(revision), 0) AS r FROM feature_edits
                                               WHERE layer_id = $1) x",
                &[&id, &title, &kind],
            )
            .await
            .map_err(StoreError::query("load_create_layer"))?;
        Ok(())
    }
}
