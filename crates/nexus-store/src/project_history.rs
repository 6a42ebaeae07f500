//! A project's history (migration 0012 records every revision by trigger), soft deletion and
//! restore. A deleted project leaves `projects`, so every read path — tiles, items, exports,
//! overlays, summaries, search — forgets it at once without a filter of its own; its history
//! keeps it for a publisher to restore (with its feature id) until `nexus purge`.

use nexus_core::{ProjectRecord, Visibility};
use serde_json::Value;
use time::OffsetDateTime;

use crate::accounts::{append_on, set_actor, AuditEntry};
use crate::error::{StoreError, StoreResult};
use crate::pool::Store;
use crate::projects::{stored_in, write_projects, SaveGuard, StoredProject};

/// One revision as a timeline lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProjectRevision {
    /// Its number.
    pub revision: i64,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who made it (a user's name, `cli`, `legacy token`, or `system` for data loads).
    pub actor_name: String,
    /// Their user id.
    pub actor_id: Option<i64>,
    /// Its city then.
    pub city: String,
    /// Its visibility then.
    pub visibility: String,
    /// Whether this revision is the project's deletion.
    pub deleted: bool,
    /// The properties (and `geometry`) that differ from the revision before.
    pub changed: Vec<String>,
}

/// What a delete or restore did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryOutcome {
    /// Done; the project's revision now (the deletion's, for a delete).
    Done {
        /// The revision before.
        before: i64,
        /// The revision after.
        after: i64,
    },
    /// There is no such project (or revision).
    Missing,
    /// The guard refused; nothing was written.
    Forbidden,
}

/// The property names whose values differ between two features, and `geometry`.
fn changed(before: Option<&Value>, after: &Value) -> Vec<String> {
    let Some(before) = before else { return vec![] };
    let empty = serde_json::Map::new();
    let (b, a) =
        (before["properties"].as_object().unwrap_or(&empty), after["properties"].as_object().unwrap_or(&empty));
    let mut keys: Vec<String> = b.keys().chain(a.keys()).filter(|k| b.get(*k) != a.get(*k)).cloned().collect();
    keys.sort();
    keys.dedup();
    if before["geometry"] != after["geometry"] {
        keys.push("geometry".into());
    }
    keys
}

impl Store {
    /// Every revision of project `slug`, oldest first, each with what it changed.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn project_history(&self, slug: &str) -> StoreResult<Vec<ProjectRevision>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT revision, at, actor_name, actor_id, city, visibility, deleted, feature
                 FROM project_revisions WHERE slug = $1 ORDER BY revision",
                &[&slug],
            )
            .await
            .map_err(StoreError::query("project_history"))?;
        let mut out = Vec::with_capacity(rows.len());
        let mut previous: Option<Value> = None;
        for r in rows {
            let feature: Value = r.get(7);
            let deleted: bool = r.get(6);
            out.push(ProjectRevision {
                revision: r.get(0),
                at: r.get(1),
                actor_name: r.get(2),
                actor_id: r.get(3),
                city: r.get(4),
                visibility: r.get(5),
                deleted,
                changed: if deleted { vec![] } else { changed(previous.as_ref(), &feature) },
            });
            previous = Some(feature);
        }
        Ok(out)
    }

    /// Revision `revision` of project `slug` as a GeoJSON Feature, with its city, visibility
    /// and whether it is the deletion.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn project_revision(
        &self,
        slug: &str,
        revision: i64,
    ) -> StoreResult<Option<(Value, StoredProject, bool)>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT feature, city, visibility, deleted FROM project_revisions WHERE slug = $1 AND revision = $2",
                &[&slug, &revision],
            )
            .await
            .map_err(StoreError::query("project_revision"))?;
        Ok(row.map(|r| {
            let visibility = r.get::<_, &str>(2).parse().unwrap_or(Visibility::Draft);
            (r.get(0), StoredProject { city: r.get(1), visibility, revision }, r.get(3))
        }))
    }

    /// Deleted projects (not restored since), newest deletion first: slug, the deletion's
    /// revision, city, title, when and by whom.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn deleted_projects(&self) -> StoreResult<Vec<Value>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT r.slug, r.revision, r.city, r.feature->'properties'->>'title', r.at, r.actor_name
                 FROM project_revisions r
                 WHERE r.deleted AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.slug = r.slug)
                   AND r.revision = (SELECT max(revision) FROM project_revisions x WHERE x.slug = r.slug)
                 ORDER BY r.at DESC",
                &[],
            )
            .await
            .map_err(StoreError::query("deleted_projects"))?;
        Ok(rows
            .iter()
            .map(|r| {
                let at: OffsetDateTime = r.get(4);
                serde_json::json!({
                    "slug": r.get::<_, String>(0), "revision": r.get::<_, i64>(1), "city": r.get::<_, String>(2),
                    "title": r.get::<_, Option<String>>(3), "actor_name": r.get::<_, String>(5),
                    "deleted_at": at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                })
            })
            .collect())
    }

    /// Deletes project `slug` (softly: its history keeps it), if `guard` allows given the
    /// project as stored; `audit` is completed and appended in the same transaction.
    ///
    /// # Errors
    /// When a query fails.
    pub async fn delete_project(
        &self,
        slug: &str,
        guard: SaveGuard<'_>,
        audit: &AuditEntry,
    ) -> StoreResult<HistoryOutcome> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(StoreError::query("delete_project_begin"))?;
        set_actor(&tx, audit).await?;
        tx.execute("SELECT pg_advisory_xact_lock(hashtext('project:' || $1))", &[&slug])
            .await
            .map_err(StoreError::query("delete_project_lock"))?;
        let Some(stored) = stored_in(&tx, slug).await? else { return Ok(HistoryOutcome::Missing) };
        if !guard(Some(&stored)) {
            return Ok(HistoryOutcome::Forbidden);
        }
        tx.execute("DELETE FROM projects WHERE slug = $1", &[&slug])
            .await
            .map_err(StoreError::query("delete_project"))?;
        let mut row = audit.clone();
        row.action = "project.delete";
        row.target_type = "project";
        row.target_id = Some(slug.to_owned());
        row.city = Some(stored.city.clone());
        row.revision_before = Some(stored.revision);
        row.revision_after = Some(stored.revision + 1);
        append_on(&tx, &row).await?;
        tx.commit().await.map_err(StoreError::query("delete_project_commit"))?;
        Ok(HistoryOutcome::Done { before: stored.revision, after: stored.revision + 1 })
    }

    /// Makes revision `revision` of project `slug` current again, as a new revision (a
    /// deleted project comes back, with its feature id). `guard` judges the project as stored
    /// now (`None` when deleted) and the revision restored.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when the old revision no longer passes today's checks.
    pub async fn restore_project(
        &self,
        slug: &str,
        revision: i64,
        guard: &(dyn Fn(Option<&StoredProject>, &StoredProject) -> bool + Send + Sync),
        audit: &AuditEntry,
    ) -> StoreResult<HistoryOutcome> {
        let Some((feature, old, _)) = self.project_revision(slug, revision).await? else {
            return Ok(HistoryOutcome::Missing);
        };
        let record = ProjectRecord::from_feature(feature["properties"].clone(), Some(feature["geometry"].clone()))
            .map_err(|e| StoreError::Invalid(format!("revision {revision} cannot be restored: {e}")))?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(StoreError::query("restore_project_begin"))?;
        set_actor(&tx, audit).await?;
        tx.execute("SELECT pg_advisory_xact_lock(hashtext('project:' || $1))", &[&slug])
            .await
            .map_err(StoreError::query("restore_project_lock"))?;
        let stored = stored_in(&tx, slug).await?;
        if !guard(stored.as_ref(), &old) {
            return Ok(HistoryOutcome::Forbidden);
        }
        let last: i64 = tx
            .query_one("SELECT max(revision) FROM project_revisions WHERE slug = $1", &[&slug])
            .await
            .map_err(StoreError::query("restore_project_last"))?
            .get(0);
        write_projects(&tx, std::slice::from_ref(&record)).await?;
        if stored.is_none() {
            let id: i64 = feature["id"].as_i64().unwrap_or_default();
            tx.execute("UPDATE projects SET id = $2, revision = $3 WHERE slug = $1", &[&slug, &id, &(last + 1)])
                .await
                .map_err(StoreError::query("restore_project_revive"))?;
        }
        let after: i64 = tx
            .query_one("SELECT revision FROM projects WHERE slug = $1", &[&slug])
            .await
            .map_err(StoreError::query("restore_project_revision"))?
            .get(0);
        let before = stored.as_ref().map_or(last, |s| s.revision);
        let mut row = audit.clone();
        row.action = "project.restore";
        row.target_type = "project";
        row.target_id = Some(slug.to_owned());
        row.city = Some(record.meta.city.to_string());
        row.revision_before = Some(before);
        row.revision_after = Some(after);
        row.summary = format!("restored revision {revision}");
        append_on(&tx, &row).await?;
        tx.commit().await.map_err(StoreError::query("restore_project_commit"))?;
        Ok(HistoryOutcome::Done { before, after })
    }

    /// Removes deleted projects for good: their history goes; returns their slugs.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn purge_projects(&self) -> StoreResult<Vec<String>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "DELETE FROM project_revisions r WHERE NOT EXISTS (SELECT 1 FROM projects p WHERE p.slug = r.slug)
                 RETURNING slug",
                &[],
            )
            .await
            .map_err(StoreError::query("purge_projects"))?;
        let mut slugs: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        slugs.sort();
        slugs.dedup();
        Ok(slugs)
    }
}

#[cfg(test)]
mod tests {
    use super::changed;
    use serde_json::json;

    #[test]
    fn changes_name_properties_and_geometry() {
        let a = json!({ "properties": { "title": "A", "status": "idea" }, "geometry": { "type": "Point", "coordinates": [1, 2] } });
        let b = json!({ "properties": { "title": "B", "status": "idea", "kind": "waste_site" }, "geometry": { "type": "Point", "coordinates": [1, 3] } });
        assert_eq!(changed(Some(&a), &b), ["kind", "title", "geometry"]);
        assert!(changed(None, &b).is_empty());
        assert!(changed(Some(&a), &a).is_empty());
    }
}
