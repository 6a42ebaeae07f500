//! Rendering tiles with PostGIS (one at a time on request), reading the pre-rendered store,
//! and the projects as a tile source.

use nexus_core::{FieldDef, FieldType, Layer, LayerId, LayerKind, Sector, TileCoord, Visibility};
use tokio_postgres::types::Type;

use super::crowded::{self, SIZE, WEIGHT};
use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

/// MVT extent (units across a tile).
pub const EXTENT: i32 = 4096;
/// Buffer around a tile, in extent units.
pub const BUFFER: i32 = 64;

pub(super) fn table(layer: &LayerId) -> String {
    format!("\"f_{}\"", layer.as_str())
}

pub(super) fn zxy(tile: TileCoord) -> (i32, i32, i32) {
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
        let sql = if layer.as_str() == PROJECTS { projects_tile_sql() } else { layer_tile_sql(layer, "geom_3857") };
        let client = self.read_client().await?;
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
            popup_fields: None,
            approximate: false,
            basemap: false,
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
            edit_base: r.get(0),
            prerendered_revision: None,
            prerendered_maxzoom: None,
            cache_max_age: 60,
        })
    }
}

/// The tile source id of the projects.
pub const PROJECTS: &str = "projects";

/// A layer's tile: its partition's features, drawn from `geometry` (`geom_3857`, or an
/// expression of it), a crowded tile keeping its largest features (see [`super::crowded`]).
pub(super) fn layer_tile_sql(layer: &LayerId, geometry: &str) -> String {
    format!(
        // ST_AsMVTGeom must run once per feature: `OFFSET 0` keeps each subquery whole (an
        // inlined one computes it again for the `IS NOT NULL`; a z7 tile: 64-90 ms, not 41),
        // and MATERIALIZED keeps `q` from being computed once per reader.
        "WITH q AS MATERIALIZED (
             SELECT fid, properties, geom, {WEIGHT} AS w FROM (
                 SELECT fid, properties,
                        ST_AsMVTGeom(g, ST_TileEnvelope($1, $2, $3), {EXTENT}, {BUFFER}, true) AS geom
                 FROM (
                     SELECT fid, properties, {geometry} AS g FROM {table}
                     WHERE geom_3857 && ST_TileEnvelope($1, $2, $3, margin => {margin})
                     OFFSET 0
                 ) a
                 OFFSET 0
             ) c
             WHERE geom IS NOT NULL
         ), {kept}
         SELECT CASE WHEN count(*) > 0 THEN ST_AsMVT(kept, $4, {EXTENT}, 'geom', 'fid') END FROM kept",
        table = table(layer),
        margin = f64::from(BUFFER) / f64::from(EXTENT),
        // The feature's whole size, looked up only for the rows of a crowded tile.
        kept = crowded::kept(
            &[],
            &format!("(SELECT {SIZE} FROM {table} f WHERE f.layer_id = $4 AND f.fid = q.fid)", table = table(layer))
        ),
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
    /// A tile's row in the pre-rendered store, whatever its revision (the caller decides
    /// whether that drawing is still true), with that revision. An empty `mvt` is a tile that
    /// became empty after an edit; a tile with no row was empty at the pre-render.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn stored_tile(&self, layer: &LayerId, tile: TileCoord) -> StoreResult<Option<(i64, StoredTile)>> {
        let client = self.read_client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT revision, mvt, mvt_gzip FROM tile_store WHERE layer_id = $1 AND z = $2 AND x = $3 AND y = $4",
            )
            .await
            .map_err(StoreError::query("stored_tile_prepare"))?;
        let (z, x, y) = zxy(tile);
        let z = i16::try_from(z).unwrap_or(i16::MAX);
        let row =
            client.query_opt(&stmt, &[&layer.as_str(), &z, &x, &y]).await.map_err(StoreError::query("stored_tile"))?;
        Ok(row.map(|r| (r.get(0), StoredTile { mvt: r.get(1), gzip: r.get(2) })))
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
