//! A layer's history (migration 0013): the revisions it went through, the data of the newest
//! few kept in schema `nexus_history`, soft deletion (the partition and catalog entry move
//! there, so every read path forgets the layer at once) and restore, atomic like an ingest:
//! the kept rows are copied into a new partition swapped in under the catalog row's lock, and
//! the catalog entry of that revision comes back as a new revision. Tile caches, pre-rendering
//! and the Nexus overlays follow the catalog's change notification as after an upload.

use nexus_core::{LayerId, Visibility};
use serde_json::Value;
use time::OffsetDateTime;

use crate::accounts::{append_on, AuditEntry};
use crate::error::{StoreError, StoreResult};
use crate::pool::Store;
use crate::project_history::HistoryOutcome;

/// One revision of a layer as its history lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LayerRevision {
    /// Its number.
    pub revision: i64,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who made it.
    pub actor_name: String,
    /// The file it was loaded from.
    pub file_name: Option<String>,
    /// Its features.
    pub feature_count: Option<i64>,
    /// Its title then.
    pub title: Option<String>,
    /// Its visibility then.
    pub visibility: Option<String>,
    /// Whether its data is still kept, so it can be restored.
    pub restorable: bool,
    /// Whether this revision is the layer's deletion.
    pub deleted: bool,
}

/// A layer as a delete or restore judges it: its city and visibility.
#[derive(Debug, Clone)]
pub struct LayerState {
    /// Its city.
    pub city: Option<String>,
    /// Its visibility.
    pub visibility: Visibility,
    /// Its revision.
    pub revision: i64,
}

/// Decides a restore, given the layer now (`None`: deleted) and the revision restored.
pub type LayerGuard<'a> = &'a (dyn Fn(Option<&LayerState>, &LayerState) -> bool + Send + Sync);

fn state_of(catalog: &Value, revision: i64) -> LayerState {
    LayerState {
        city: catalog["city"].as_str().map(str::to_owned),
        visibility: catalog["visibility"].as_str().and_then(|v| v.parse().ok()).unwrap_or(Visibility::Draft),
        revision,
    }
}

impl Store {
    /// Every recorded revision of layer `id`, oldest first.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn layer_history(&self, id: &LayerId) -> StoreResult<Vec<LayerRevision>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT revision, at, actor_name, file_name, (catalog->>'feature_count')::bigint, catalog->>'title',
                        catalog->>'visibility', data_table IS NOT NULL, deleted
                 FROM layer_revisions WHERE layer_id = $1 ORDER BY revision",
                &[&id.as_str()],
            )
            .await
            .map_err(StoreError::query("layer_history"))?;
        Ok(rows
            .iter()
            .map(|r| LayerRevision {
                revision: r.get(0),
                at: r.get(1),
                actor_name: r.get(2),
                file_name: r.get(3),
                feature_count: r.get(4),
                title: r.get(5),
                visibility: r.get(6),
                restorable: r.get(7),
                deleted: r.get(8),
            })
            .collect())
    }

    /// The layer's city and visibility now, or, when deleted, as its last revision had them.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn layer_state(&self, id: &LayerId) -> StoreResult<Option<LayerState>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT catalog, revision FROM (
                     SELECT to_jsonb(l) AS catalog, l.revision, 0 AS o FROM layers l WHERE l.id = $1
                     UNION ALL
                     SELECT catalog, revision, 1 FROM layer_revisions WHERE layer_id = $1
                 ) x ORDER BY o, revision DESC LIMIT 1",
                &[&id.as_str()],
            )
            .await
            .map_err(StoreError::query("layer_state"))?;
        Ok(row.map(|r| state_of(&r.get(0), r.get(1))))
    }

    /// Deletes layer `id` softly, if `guard` allows given the layer as stored; `audit` is
    /// completed and appended in the same transaction.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for Nexus Atlas's own layers; when a query fails.
    pub async fn delete_layer(
        &self,
        id: &LayerId,
        guard: &(dyn Fn(&LayerState) -> bool + Send + Sync),
        audit: &AuditEntry,
    ) -> StoreResult<HistoryOutcome> {
        if id.is_reserved() {
            return Err(StoreError::Invalid(format!("layer '{id}' is Nexus Atlas's own; it cannot be deleted")));
        }
        let mut client = self.job_client().await?;
        let tx = client.transaction().await.map_err(StoreError::query("delete_layer_begin"))?;
        tx.batch_execute(crate::budget::JOB).await.map_err(StoreError::query("delete_layer_begin"))?;
        let Some(row) = tx
            .query_opt("SELECT to_jsonb(l), l.revision FROM layers l WHERE l.id = $1 FOR UPDATE", &[&id.as_str()])
            .await
            .map_err(StoreError::query("delete_layer_lock"))?
        else {
            return Ok(HistoryOutcome::Missing);
        };
        let now = state_of(&row.get(0), row.get(1));
        if !guard(&now) {
            return Ok(HistoryOutcome::Forbidden);
        }
        let after = now.revision + 1;
        // A validated LayerId: safe inside the statement.
        let archive = format!("SELECT nexus_archive_layer_data('{id}', {})", now.revision);
        crate::budget::ddl(&*tx, "delete_layer_archive", &archive).await?;
        tx.execute(
            "INSERT INTO layer_revisions (layer_id, revision, catalog, actor_id, actor_name, deleted)
             SELECT l.id, $2, to_jsonb(l), $3, $4, true FROM layers l WHERE l.id = $1",
            &[&id.as_str(), &after, &audit.actor_id, &audit.actor_name],
        )
        .await
        .map_err(StoreError::query("delete_layer_record"))?;
        tx.execute("DELETE FROM layers WHERE id = $1", &[&id.as_str()])
            .await
            .map_err(StoreError::query("delete_layer"))?;
        let mut entry = audit.clone();
        entry.action = "layer.delete";
        entry.target_type = "layer";
        entry.target_id = Some(id.to_string());
        entry.city.clone_from(&now.city);
        entry.revision_before = Some(now.revision);
        entry.revision_after = Some(after);
        append_on(&tx, &entry).await?;
        tx.commit().await.map_err(StoreError::query("delete_layer_commit"))?;
        Ok(HistoryOutcome::Done { before: now.revision, after })
    }

    /// Makes revision `revision` of layer `id` current again as a new revision: its kept
    /// data in a new partition, its catalog entry back (a deleted layer returns).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when that revision's data is no longer kept.
    pub async fn restore_layer(
        &self,
        id: &LayerId,
        revision: i64,
        guard: LayerGuard<'_>,
        audit: &AuditEntry,
    ) -> StoreResult<HistoryOutcome> {
        let mut client = self.job_client().await?;
        let tx = client.transaction().await.map_err(StoreError::query("restore_layer_begin"))?;
        tx.batch_execute(crate::budget::JOB).await.map_err(StoreError::query("restore_layer_begin"))?;
        let lid = id.as_str();
        tx.execute("SELECT pg_advisory_xact_lock(hashtext('layer:' || $1))", &[&lid])
            .await
            .map_err(StoreError::query("restore_layer_lock"))?;
        let now = tx
            .query_opt("SELECT to_jsonb(l), l.revision FROM layers l WHERE l.id = $1 FOR UPDATE", &[&lid])
            .await
            .map_err(StoreError::query("restore_layer_now"))?
            .map(|r| state_of(&r.get(0), r.get(1)));
        let Some(old) = tx
            .query_opt(
                "SELECT catalog, data_table FROM layer_revisions WHERE layer_id = $1 AND revision = $2",
                &[&lid, &revision],
            )
            .await
            .map_err(StoreError::query("restore_layer_revision"))?
        else {
            return Ok(HistoryOutcome::Missing);
        };
        let (catalog, kept): (Value, Option<String>) = (old.get(0), old.get(1));
        let Some(kept) = kept else {
            return Err(StoreError::Invalid(format!(
                "the data of revision {revision} of '{id}' is no longer kept (only the last {} are)",
                self.layer_history
            )));
        };
        if !guard(now.as_ref(), &state_of(&catalog, revision)) {
            return Ok(HistoryOutcome::Forbidden);
        }
        let last: i64 = tx
            .query_one("SELECT coalesce(max(revision), 0) FROM layer_revisions WHERE layer_id = $1", &[&lid])
            .await
            .map_err(StoreError::query("restore_layer_last"))?
            .get(0);
        let after = last.max(now.as_ref().map_or(0, |n| n.revision)) + 1;
        if let Some(n) = &now {
            let archive = format!("SELECT nexus_archive_layer_data('{lid}', {})", n.revision);
            crate::budget::ddl(&*tx, "restore_layer_archive", &archive).await?;
        }
        tx.execute("SELECT nexus_restore_layer_catalog($1, $2, $3)", &[&lid, &catalog, &after])
            .await
            .map_err(StoreError::query("restore_layer_catalog"))?;
        // Identifiers: a validated LayerId and a name this store made (layer_data_<n>), quoted.
        let (live, new) = (format!("f_{lid}"), format!("f_{lid}__new"));
        tx.batch_execute(&format!(
            "CREATE TABLE \"{new}\" (LIKE features INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS);
             ALTER TABLE \"{new}\" ADD CHECK (layer_id = '{lid}');
             INSERT INTO \"{new}\" (layer_id, fid, geom, properties)
                 SELECT layer_id, fid, geom, properties FROM nexus_history.\"{kept}\";
             CREATE INDEX \"{new}_m\" ON \"{new}\" USING gist (geom_3857);
             ALTER TABLE \"{new}\" ADD CONSTRAINT \"{new}_pk\" PRIMARY KEY (layer_id, fid);
             ALTER TABLE \"{new}\" RENAME TO \"{live}\";
             ALTER INDEX \"{new}_m\" RENAME TO \"{live}_m\";
             ALTER INDEX \"{new}_pk\" RENAME TO \"{live}_pk\";
             ALTER TABLE features ATTACH PARTITION \"{live}\" FOR VALUES IN ('{lid}')"
        ))
        .await
        .map_err(StoreError::query("restore_layer_data"))?;
        tx.execute(
            "INSERT INTO layer_revisions (layer_id, revision, catalog, file_name, actor_id, actor_name)
             SELECT l.id, l.revision, to_jsonb(l), $2, $3, $4 FROM layers l WHERE l.id = $1",
            &[&lid, &format!("restored revision {revision}"), &audit.actor_id, &audit.actor_name],
        )
        .await
        .map_err(StoreError::query("restore_layer_record"))?;
        let keep = i32::try_from(self.layer_history).unwrap_or(i32::MAX);
        tx.execute("SELECT nexus_prune_layer_history($1, $2)", &[&lid, &keep])
            .await
            .map_err(StoreError::query("restore_layer_prune"))?;
        let before = now.as_ref().map_or(last, |n| n.revision);
        let mut entry = audit.clone();
        entry.action = "layer.restore";
        entry.target_type = "layer";
        entry.target_id = Some(lid.to_owned());
        entry.city = catalog["city"].as_str().map(str::to_owned);
        entry.revision_before = Some(before);
        entry.revision_after = Some(after);
        entry.summary = format!("restored revision {revision}");
        append_on(&tx, &entry).await?;
        tx.commit().await.map_err(StoreError::query("restore_layer_commit"))?;
        Ok(HistoryOutcome::Done { before, after })
    }

    /// Deleted layers (not restored since): id, the deletion's revision, city, title, when.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn deleted_layers(&self) -> StoreResult<Vec<Value>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT r.layer_id, r.revision, r.catalog->>'city', r.catalog->>'title', r.at, r.actor_name
                 FROM layer_revisions r
                 WHERE r.deleted AND NOT EXISTS (SELECT 1 FROM layers l WHERE l.id = r.layer_id)
                   AND r.revision = (SELECT max(revision) FROM layer_revisions x WHERE x.layer_id = r.layer_id)
                 ORDER BY r.at DESC",
                &[],
            )
            .await
            .map_err(StoreError::query("deleted_layers"))?;
        Ok(rows
            .iter()
            .map(|r| {
                let at: OffsetDateTime = r.get(4);
                serde_json::json!({
                    "id": r.get::<_, String>(0), "revision": r.get::<_, i64>(1), "city": r.get::<_, Option<String>>(2),
                    "title": r.get::<_, Option<String>>(3), "actor_name": r.get::<_, String>(5),
                    "deleted_at": at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                })
            })
            .collect())
    }

    /// Removes deleted layers for good (their kept data, history and features' edits);
    /// returns their ids.
    ///
    /// # Errors
    /// When a query fails.
    pub async fn purge_layers(&self) -> StoreResult<Vec<String>> {
        let mut client = self.job_client().await?;
        let tx = client.transaction().await.map_err(StoreError::query("purge_layers_begin"))?;
        let gone = "NOT EXISTS (SELECT 1 FROM layers l WHERE l.id = r.layer_id)";
        let tables = tx
            .query(&format!("SELECT data_table FROM layer_revisions r WHERE {gone} AND data_table IS NOT NULL"), &[])
            .await
            .map_err(StoreError::query("purge_layers_tables"))?;
        for t in &tables {
            let name: String = t.get(0);
            tx.batch_execute(&format!("DROP TABLE IF EXISTS nexus_history.\"{}\"", name.replace('"', "")))
                .await
                .map_err(StoreError::query("purge_layers_drop"))?;
        }
        let rows = tx
            .query(&format!("DELETE FROM layer_revisions r WHERE {gone} RETURNING layer_id"), &[])
            .await
            .map_err(StoreError::query("purge_layers"))?;
        tx.execute(
            "DELETE FROM layer_ingests i WHERE NOT EXISTS (SELECT 1 FROM layers l WHERE l.id = i.layer_id)",
            &[],
        )
        .await
        .map_err(StoreError::query("purge_layers_ingests"))?;
        tx.execute(
            "DELETE FROM feature_edits e WHERE NOT EXISTS (SELECT 1 FROM layers l WHERE l.id = e.layer_id)",
            &[],
        )
        .await
        .map_err(StoreError::query("purge_layers_feature_edits"))?;
        tx.commit().await.map_err(StoreError::query("purge_layers_commit"))?;
        let mut ids: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        ids.sort();
        ids.dedup();
        Ok(ids)
    }
}
