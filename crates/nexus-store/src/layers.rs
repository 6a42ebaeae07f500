//! The layer catalog: reading layers back.

use nexus_core::{CitySlug, DraftScope, FieldDef, GeometryFamily, Layer, LayerId, LayerKind, Sector, Visibility};
use tokio_postgres::Row;

use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

pub(crate) const LAYER_COLUMNS: &str = "id, title, description, kind, sectors, city, source, licence, attribution, \
     approximate, visibility, geometry_type, bounds, fields, feature_count, revision, minzoom, maxzoom, \
     created_at, updated_at, prerendered_revision, prerendered_maxzoom, cache_max_age, title_local, popup_fields, edit_base, basemap";

fn bad(what: &'static str) -> impl Fn(String) -> StoreError {
    move |reason| StoreError::Query { what, reason }
}

/// Builds a [`Layer`] from a row selected with [`LAYER_COLUMNS`].
pub(crate) fn layer_from_row(r: &Row) -> StoreResult<Layer> {
    let e = bad("layer_row");
    let sectors: Vec<String> = r.get(4);
    let bounds: Option<Vec<f64>> = r.get(12);
    let fields: serde_json::Value = r.get(13);
    let minzoom: i16 = r.get(16);
    let maxzoom: i16 = r.get(17);
    Ok(Layer {
        id: LayerId::new(r.get::<_, String>(0)).map_err(|x| e(x.to_string()))?,
        title: r.get(1),
        title_local: r.get(23),
        description: r.get(2),
        kind: r.get::<_, String>(3).parse::<LayerKind>().map_err(|x| e(x.to_string()))?,
        sectors: sectors.iter().map(|s| s.parse::<Sector>()).collect::<Result<_, _>>().map_err(|x| e(x.to_string()))?,
        city: r.get::<_, Option<String>>(5).map(CitySlug::new).transpose().map_err(|x| e(x.to_string()))?,
        source: r.get(6),
        licence: r.get(7),
        attribution: r.get(8),
        approximate: r.get(9),
        visibility: r.get::<_, String>(10).parse::<Visibility>().map_err(|x| e(x.to_string()))?,
        geometry_type: r
            .get::<_, Option<String>>(11)
            .map(|g| g.parse::<GeometryFamily>())
            .transpose()
            .map_err(|x| e(x.to_string()))?,
        bounds: bounds.and_then(|b| <[f64; 4]>::try_from(b).ok()),
        fields: serde_json::from_value::<Vec<FieldDef>>(fields).map_err(|x| e(x.to_string()))?,
        feature_count: r.get(14),
        revision: r.get(15),
        minzoom: u8::try_from(minzoom).unwrap_or(0),
        maxzoom: u8::try_from(maxzoom).unwrap_or(22),
        created_at: r.get(18),
        updated_at: r.get(19),
        prerendered_revision: r.get(20),
        prerendered_maxzoom: r.get::<_, Option<i16>>(21).and_then(|z| u8::try_from(z).ok()),
        cache_max_age: u32::try_from(r.get::<_, i32>(22)).unwrap_or(0),
        popup_fields: r.get(24),
        edit_base: r.get(25),
        basemap: r.get(26),
    })
}

impl Store {
    /// One layer, drafts included (callers decide who may see drafts).
    ///
    /// # Errors
    /// When the query fails.
    pub async fn layer(&self, id: &LayerId) -> StoreResult<Option<Layer>> {
        let client = self.client().await?;
        let row = client
            .query_opt(&format!("SELECT {LAYER_COLUMNS} FROM layers WHERE id = $1"), &[&id.as_str()])
            .await
            .map_err(StoreError::query("layer"))?;
        row.as_ref().map(layer_from_row).transpose()
    }

    /// All layers by id: the public ones and the drafts `drafts` sees.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn layers(&self, drafts: &DraftScope) -> StoreResult<Vec<Layer>> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("SELECT {LAYER_COLUMNS} FROM layers WHERE nexus_may_see(visibility, city, $1) ORDER BY id"),
                &[&drafts.to_sql()],
            )
            .await
            .map_err(StoreError::query("layers"))?;
        rows.iter().map(layer_from_row).collect()
    }

    /// The most recent ingest of a layer: (revision, sha256 of the file, file name).
    ///
    /// # Errors
    /// When the query fails.
    pub async fn last_ingest(&self, id: &LayerId) -> StoreResult<Option<(i64, String, String)>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT revision, file_sha256, file_name FROM layer_ingests WHERE layer_id = $1
                 ORDER BY revision DESC, id DESC LIMIT 1",
                &[&id.as_str()],
            )
            .await
            .map_err(StoreError::query("last_ingest"))?;
        Ok(row.map(|r| (r.get(0), r.get(1), r.get(2))))
    }
}
