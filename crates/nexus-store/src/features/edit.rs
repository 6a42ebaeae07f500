//! One feature written at a time (OGC API - Features Part 4): create, replace (an update is a
//! replace with the caller's merge patch applied) and delete. Each is one transaction that
//! locks the layer's catalog row, asks the caller's guard and compares the expected `ETag`
//! under that lock, checks the geometry as an ingest does (the layer's family, on the globe,
//! an invalid one repaired with `ST_MakeValid` or refused with the reason), writes the row in
//! the live partition, bumps the layer's revision (every instance's tiles, the pre-renderer and
//! the Nexus overlays follow the catalog's notification, as after an upload), and appends the
//! feature before and after to `feature_edits` and one row to the audit trail.

use nexus_core::{FieldDef, LayerId, Visibility};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

pub use super::edit_checks::FeatureBody;
use super::edit_checks::{check_geometry, check_properties, Checked};
use crate::accounts::{append_on, set_actor, AuditEntry};
use crate::error::{StoreError, StoreResult};
use crate::layer_history::LayerState;
use crate::pool::Store;

/// What an edit does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditKind {
    /// A new feature (`POST …/items`).
    Create,
    /// The whole feature (`PUT`).
    Replace,
    /// Some of it (`PATCH`: a merge patch, applied by the caller to the feature it read).
    Update,
    /// Gone (`DELETE`).
    Delete,
}

impl EditKind {
    fn as_str(self) -> &'static str {
        match self {
            EditKind::Create => "create",
            EditKind::Replace => "replace",
            EditKind::Update => "update",
            EditKind::Delete => "delete",
        }
    }

    fn audit_action(self) -> &'static str {
        match self {
            EditKind::Create => "feature.create",
            EditKind::Replace => "feature.replace",
            EditKind::Update => "feature.update",
            EditKind::Delete => "feature.delete",
        }
    }
}

/// One write.
#[derive(Debug)]
pub struct FeatureWrite<'a> {
    /// The layer.
    pub layer: &'a LayerId,
    /// What it does.
    pub kind: EditKind,
    /// The feature (none for a create).
    pub fid: Option<i64>,
    /// The feature after (none for a delete).
    pub body: Option<FeatureBody>,
    /// The `ETag` the client's copy has (`If-Match`).
    pub expected: Option<String>,
}

/// The feature stored now.
#[derive(Debug, Clone)]
pub struct CurrentFeature {
    /// Its geometry, GeoJSON in CRS84.
    pub geometry: Value,
    /// Its properties.
    pub properties: Value,
    /// Its version (`ETag`).
    pub etag: String,
    /// Where it is, in web mercator: the tiles and intensity cells its edit redoes.
    pub(crate) box_3857: Option<Vec<f64>>,
}

/// How a write went.
#[derive(Debug, Clone)]
pub enum WriteOutcome {
    /// Stored (or deleted: no `stored`), as the layer's new `revision`.
    Written {
        /// The feature's id.
        fid: i64,
        /// The feature as stored, with its new version (none after a delete).
        stored: Option<Box<CurrentFeature>>,
        /// What was wrong with the geometry, when it was repaired.
        repaired: Option<String>,
        /// The layer's revision now.
        revision: i64,
    },
    /// No such layer or feature.
    Missing,
    /// Someone changed the feature since the client read it; `current` is its version now.
    Stale {
        /// The stored feature's `ETag`.
        current: String,
    },
    /// The guard said no (the layer changed city or visibility since it was asked).
    Forbidden,
}

/// Decides a write, given the layer as locked.
pub type EditGuard<'a> = &'a (dyn Fn(&LayerState) -> bool + Send + Sync);

/// One edit in a feature's history.
#[derive(Debug, Clone, Serialize)]
pub struct FeatureEdit {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// `create`, `replace`, `update` or `delete`.
    pub action: String,
    /// Who.
    pub actor_name: String,
    /// The layer's revision it made.
    pub revision: i64,
    /// The feature before (`geometry`, `properties`).
    pub before: Option<Value>,
    /// The feature after.
    pub after: Option<Value>,
}

/// A feature's web-mercator box, as `float8[]`.
const BOX: &str = "ARRAY[ST_XMin(geom_3857), ST_YMin(geom_3857), ST_XMax(geom_3857), ST_YMax(geom_3857)]";

async fn current_in(
    db: &impl deadpool_postgres::GenericClient,
    layer: &str,
    fid: i64,
    lock: bool,
) -> StoreResult<Option<CurrentFeature>> {
    let sql = format!(
        "SELECT ST_AsGeoJSON(geom, 9)::jsonb, properties, nexus_feature_etag(geom, properties), {BOX}
         FROM features WHERE layer_id = $1 AND fid = $2{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let row = db.query_opt(&sql, &[&layer, &fid]).await.map_err(StoreError::query("feature_current"))?;
    Ok(row.map(|r| CurrentFeature { geometry: r.get(0), properties: r.get(1), etag: r.get(2), box_3857: r.get(3) }))
}

fn snapshot(f: &CurrentFeature) -> Value {
    serde_json::json!({ "geometry": f.geometry, "properties": f.properties })
}

/// What one write changed, for the catalog, the feature's history and the audit trail.
struct Edit<'a> {
    kind: EditKind,
    fid: i64,
    before: Option<&'a CurrentFeature>,
    after: Option<&'a Value>,
    stored: Option<&'a CurrentFeature>,
    checked: Option<&'a Checked>,
}

/// The layer's new revision, counts, extent and fields; the feature's history row; the audit
/// row. Returns the revision.
async fn record(
    tx: &impl deadpool_postgres::GenericClient,
    id: &str,
    state: &LayerState,
    fields: &[FieldDef],
    e: &Edit<'_>,
    audit: &AuditEntry,
) -> StoreResult<i64> {
    let delta: i64 = match (e.before.is_some(), e.after.is_some()) {
        (false, true) => 1,
        (true, false) => -1,
        _ => 0,
    };
    let bbox: Option<Vec<f64>> = e.checked.map(|c| c.bbox.to_vec());
    let fields_json = serde_json::to_value(fields).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let revision: i64 = tx
        .query_one(
            "UPDATE layers SET revision = revision + 1, updated_at = now(), feature_count = feature_count + $2,
                     bounds = CASE WHEN $3::float8[] IS NULL THEN bounds WHEN bounds IS NULL THEN $3::float8[]
                                   ELSE ARRAY[least(bounds[1], $3[1]), least(bounds[2], $3[2]),
                                              greatest(bounds[3], $3[3]), greatest(bounds[4], $3[4])] END,
                     geometry_type = coalesce(geometry_type, $4), fields = $5
                 WHERE id = $1 RETURNING revision",
            &[&id, &delta, &bbox, &e.checked.map(|c| c.family), &fields_json],
        )
        .await
        .map_err(StoreError::query("feature_write_catalog"))?
        .get(0);
    let before_json = e.before.map(snapshot);
    let box_before = e.before.and_then(|b| b.box_3857.clone());
    let box_after = e.stored.and_then(|s| s.box_3857.clone());
    tx.execute(
        "INSERT INTO feature_edits (layer_id, fid, action, actor_id, actor_name, revision, before, after,
                                    box_before, box_after)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &[
            &id,
            &e.fid,
            &e.kind.as_str(),
            &audit.actor_id,
            &audit.actor_name,
            &revision,
            &before_json,
            &e.after,
            &box_before,
            &box_after,
        ],
    )
    .await
    .map_err(StoreError::query("feature_edit_history"))?;
    let mut entry = audit.clone();
    entry.action = e.kind.audit_action();
    entry.target_type = "feature";
    entry.target_id = Some(format!("{id}/{}", e.fid));
    entry.city = state.city.clone();
    entry.revision_before = Some(state.revision);
    entry.revision_after = Some(revision);
    if entry.summary.is_empty() {
        entry.summary = format!("{} feature {} of {id}", e.kind.as_str(), e.fid);
    }
    append_on(tx, &entry).await?;
    Ok(revision)
}

/// Checks `body` as an ingest would and writes it as feature `fid` (new, or replacing the
/// stored one).
async fn write_body(
    tx: &deadpool_postgres::Transaction<'_>,
    id: &str,
    fid: i64,
    exists: bool,
    body: &FeatureBody,
    family: Option<&str>,
    fields: &mut Vec<FieldDef>,
) -> StoreResult<(CurrentFeature, Checked)> {
    let checked = check_geometry(tx, body, family).await?;
    check_properties(&body.properties, fields)?;
    let props = Value::Object(body.properties.clone());
    let returning = format!("RETURNING nexus_feature_etag(geom, properties), ST_AsGeoJSON(geom, 9)::jsonb, {BOX}");
    let sql = if exists {
        format!("UPDATE features SET geom = ST_GeomFromEWKB($3), properties = $4 WHERE layer_id = $1 AND fid = $2 {returning}")
    } else {
        format!("INSERT INTO features (layer_id, fid, geom, properties) VALUES ($1, $2, ST_GeomFromEWKB($3), $4) {returning}")
    };
    let r =
        tx.query_one(&sql, &[&id, &fid, &checked.ewkb, &props]).await.map_err(StoreError::query("feature_write"))?;
    Ok((CurrentFeature { geometry: r.get(1), properties: props, etag: r.get(0), box_3857: r.get(2) }, checked))
}

impl Store {
    /// The feature `fid` of `layer` as stored now, with its version.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn current_feature(&self, layer: &LayerId, fid: i64) -> StoreResult<Option<CurrentFeature>> {
        current_in(&*self.read_client().await?, layer.as_str(), fid, false).await
    }

    /// Writes one feature (see the module's documentation).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] with the reason when the feature breaks the layer's rules
    /// (nothing is stored); a failed query otherwise.
    pub async fn write_feature(
        &self,
        w: &FeatureWrite<'_>,
        guard: EditGuard<'_>,
        audit: &AuditEntry,
    ) -> StoreResult<WriteOutcome> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(StoreError::query("feature_write_begin"))?;
        set_actor(&tx, audit).await?;
        let id = w.layer.as_str();
        // Tells the catalog's trigger that this revision is one feature's edit (see
        // migration 0018): the layer's other tiles and links stay as they are.
        tx.execute("SELECT set_config('nexus.feature_edit', $1, true)", &[&id])
            .await
            .map_err(StoreError::query("feature_write_mark"))?;
        let Some(row) = tx
            .query_opt(
                "SELECT city, visibility, revision, geometry_type, fields FROM layers WHERE id = $1 FOR UPDATE",
                &[&id],
            )
            .await
            .map_err(StoreError::query("feature_write_layer"))?
        else {
            return Ok(WriteOutcome::Missing);
        };
        let visibility: String = row.get(1);
        let state = LayerState {
            city: row.get(0),
            visibility: visibility.parse().unwrap_or(Visibility::Draft),
            revision: row.get(2),
        };
        if !guard(&state) {
            return Ok(WriteOutcome::Forbidden);
        }
        let family: Option<String> = row.get(3);
        let mut fields: Vec<FieldDef> = serde_json::from_value(row.get(4)).unwrap_or_default();
        let before = match w.fid {
            Some(fid) => match current_in(&tx, id, fid, true).await? {
                Some(f) => Some(f),
                None => return Ok(WriteOutcome::Missing),
            },
            None => None,
        };
        if let (Some(expected), Some(b)) = (&w.expected, &before) {
            if *expected != b.etag {
                return Ok(WriteOutcome::Stale { current: b.etag.clone() });
            }
        }
        let fid = match w.fid {
            Some(fid) => fid,
            None => tx
                .query_one(
                    // Never an id a deleted feature had: its history stays its own.
                    "SELECT greatest((SELECT max(fid) FROM features WHERE layer_id = $1),
                                     (SELECT max(fid) FROM feature_edits WHERE layer_id = $1), -1) + 1",
                    &[&id],
                )
                .await
                .map_err(StoreError::query("feature_next_id"))?
                .get(0),
        };
        let (stored, checked) = match &w.body {
            Some(body) => {
                let (stored, checked) =
                    write_body(&tx, id, fid, before.is_some(), body, family.as_deref(), &mut fields).await?;
                (Some(stored), Some(checked))
            }
            None => {
                tx.execute("DELETE FROM features WHERE layer_id = $1 AND fid = $2", &[&id, &fid])
                    .await
                    .map_err(StoreError::query("feature_delete"))?;
                (None, None)
            }
        };
        let after = stored.as_ref().map(snapshot);
        let repaired = checked.as_ref().and_then(|c| c.repaired.clone());
        let edit = Edit {
            kind: w.kind,
            fid,
            before: before.as_ref(),
            after: after.as_ref(),
            stored: stored.as_ref(),
            checked: checked.as_ref(),
        };
        let revision = record(&tx, id, &state, &fields, &edit, audit).await?;
        tx.commit().await.map_err(StoreError::query("feature_write_commit"))?;
        Ok(WriteOutcome::Written { fid, stored: stored.map(Box::new), repaired, revision })
    }

    /// The edits of feature `fid` of `layer`, newest first (at most `limit`).
    ///
    /// # Errors
    /// When the query fails.
    pub async fn feature_history(&self, layer: &LayerId, fid: i64, limit: i64) -> StoreResult<Vec<FeatureEdit>> {
        let rows = self
            .read_client()
            .await?
            .query(
                "SELECT at, action, actor_name, revision, before, after FROM feature_edits
                 WHERE layer_id = $1 AND fid = $2 ORDER BY id DESC LIMIT $3",
                &[&layer.as_str(), &fid, &limit],
            )
            .await
            .map_err(StoreError::query("feature_history"))?;
        Ok(rows
            .iter()
            .map(|r| FeatureEdit {
                at: r.get(0),
                action: r.get(1),
                actor_name: r.get(2),
                revision: r.get(3),
                before: r.get(4),
                after: r.get(5),
            })
            .collect())
    }
}
