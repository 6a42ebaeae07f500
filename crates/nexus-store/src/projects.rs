//! The projects table: loading projects from data files, and planners' saves one by one.

use nexus_core::{ProjectRecord, Visibility};

/// What became of a planner's save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    /// A new project.
    Created,
    /// An existing project.
    Updated {
        /// False when the save held nothing new.
        changed: bool,
    },
    /// Creating: the slug is taken.
    Exists,
    /// Updating: there is no such project.
    Missing,
    /// Updating: the project is no longer at the revision the edit started from (someone
    /// saved it meanwhile); nothing was written.
    Stale {
        /// The revision stored now.
        current: i64,
    },
    /// The guard refused the save, given the project as stored; nothing was written.
    Forbidden,
    /// Creating: the slug belongs to a deleted project (restore or purge it first).
    Deleted,
}

/// A project as stored, for the guard of a save to judge.
#[derive(Debug, Clone)]
pub struct StoredProject {
    /// Its city now.
    pub city: String,
    /// Its visibility now.
    pub visibility: Visibility,
    /// Its revision now.
    pub revision: i64,
}

/// Decides whether a save may go ahead, given the project as stored (`None`: it is new).
pub type SaveGuard<'a> = &'a (dyn Fn(Option<&StoredProject>) -> bool + Send + Sync);

/// The audit action of a save, from the visibility before and after.
fn save_action(before: Option<Visibility>, after: Visibility) -> &'static str {
    match (before, after) {
        (None, _) => "project.create",
        (Some(Visibility::Draft), Visibility::Public) => "project.publish",
        (Some(Visibility::Public), Visibility::Draft) => "project.unpublish",
        _ => "project.edit",
    }
}

use crate::accounts::{append_on, set_actor, AuditEntry};
use crate::error::{describe, StoreError, StoreResult};
use crate::pool::Store;

impl Store {
    /// Inserts or updates projects by slug, all in one transaction; returns how many rows
    /// were written (unchanged projects are not rewritten, so their revision stays).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming the project when its city is unknown or its geometry
    /// is not valid GeoJSON; then nothing is written.
    pub async fn upsert_projects(&self, projects: &[ProjectRecord]) -> StoreResult<u64> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(StoreError::query("upsert_projects_begin"))?;
        let slugs: Vec<&str> = projects.iter().map(|p| p.slug.as_str()).collect();
        if let Some(slug) = deleted_among(&tx, &slugs).await?.first() {
            return Err(StoreError::Deleted(format!(
                "project '{slug}' was deleted: restore it or remove it for good (nexus purge) before loading it again"
            )));
        }
        let written = write_projects(&tx, projects).await?;
        tx.commit().await.map_err(StoreError::query("upsert_projects_commit"))?;
        Ok(written)
    }

    /// Project `slug` as stored (drafts included), when there is one.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn stored_project(&self, slug: &str) -> StoreResult<Option<StoredProject>> {
        stored_in(&self.client().await?, slug).await
    }

    /// The id of project `slug` (its feature id in `/collections/projects`).
    ///
    /// # Errors
    /// When the query fails.
    pub async fn project_id(&self, slug: &str) -> StoreResult<Option<i64>> {
        let row = self
            .client()
            .await?
            .query_opt("SELECT id FROM projects WHERE slug = $1", &[&slug])
            .await
            .map_err(StoreError::query("project_id"))?;
        Ok(row.map(|r| r.get(0)))
    }

    /// The city project `slug` is in now, or was in when it was deleted.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn project_city(&self, slug: &str) -> StoreResult<Option<String>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT city FROM projects WHERE slug = $1
                 UNION ALL (SELECT city FROM project_revisions WHERE slug = $1 ORDER BY revision DESC LIMIT 1)
                 LIMIT 1",
                &[&slug],
            )
            .await
            .map_err(StoreError::query("project_city"))?;
        Ok(row.map(|r| r.get(0)))
    }

    /// Saves one project a planner drew or edited, after checking its geometry is valid (a
    /// self-crossing outline is refused with the reason, rather than stored). `create` says
    /// whether it must be new (or must exist); the check and the write hold one lock per
    /// slug, so two planners creating the same slug cannot both succeed. `guard` judges the
    /// project as stored under that lock (so a permission cannot change between the check
    /// and the write), and `audit` is completed (action, revisions, city) and appended in the
    /// same transaction: a save and its audit row commit together or not at all.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] saying what is wrong; then nothing is written.
    pub async fn save_project(
        &self,
        project: &ProjectRecord,
        create: bool,
        expected_revision: Option<i64>,
        guard: SaveGuard<'_>,
        audit: &AuditEntry,
    ) -> StoreResult<SaveOutcome> {
        let mut client = self.client().await?;
        if let Some(g) = &project.geometry {
            let row = client
                .query_one(
                    "SELECT ST_IsValid(g), ST_IsValidReason(g), ST_IsEmpty(g)
                     FROM (SELECT ST_GeomFromGeoJSON($1::text) g) x",
                    &[g],
                )
                .await
                .map_err(|e| StoreError::Invalid(format!("the geometry is not usable GeoJSON: {}", describe(&e))))?;
            if row.get::<_, bool>(2) {
                return Err(StoreError::Invalid("the geometry is empty".into()));
            }
            if !row.get::<_, bool>(0) {
                return Err(StoreError::Invalid(format!("the geometry is not valid: {}", row.get::<_, String>(1))));
            }
        }
        let tx = client.transaction().await.map_err(StoreError::query("save_project_begin"))?;
        set_actor(&tx, audit).await?;
        let slug = project.slug.as_str();
        tx.execute("SELECT pg_advisory_xact_lock(hashtext('project:' || $1))", &[&slug])
            .await
            .map_err(StoreError::query("save_project_lock"))?;
        let stored = stored_in(&tx, slug).await?;
        if create && stored.is_none() && !deleted_among(&tx, &[slug]).await?.is_empty() {
            return Ok(SaveOutcome::Deleted);
        }
        match (create, &stored) {
            (true, Some(_)) => return Ok(SaveOutcome::Exists),
            (false, None) => return Ok(SaveOutcome::Missing),
            (false, Some(s)) if expected_revision.is_some_and(|e| e != s.revision) => {
                return Ok(SaveOutcome::Stale { current: s.revision })
            }
            _ => {}
        }
        if !guard(stored.as_ref()) {
            return Ok(SaveOutcome::Forbidden);
        }
        let written = write_projects(&tx, std::slice::from_ref(project)).await?;
        let after: i64 = tx
            .query_one("SELECT revision FROM projects WHERE slug = $1", &[&slug])
            .await
            .map_err(StoreError::query("save_project_revision"))?
            .get(0);
        let mut row = audit.clone();
        row.action = save_action(stored.as_ref().map(|s| s.visibility), project.meta.visibility);
        row.target_type = "project";
        row.target_id = Some(slug.to_owned());
        row.city = Some(project.meta.city.to_string());
        row.revision_before = stored.as_ref().map(|s| s.revision);
        row.revision_after = Some(after);
        if row.summary.is_empty() {
            row.summary = if written == 0 { "saved without changes".into() } else { project.meta.title.clone() };
        }
        append_on(&tx, &row).await?;
        tx.commit().await.map_err(StoreError::query("save_project_commit"))?;
        Ok(if create { SaveOutcome::Created } else { SaveOutcome::Updated { changed: written > 0 } })
    }
}

/// Those of `slugs` that belong to deleted projects.
async fn deleted_among(db: &impl deadpool_postgres::GenericClient, slugs: &[&str]) -> StoreResult<Vec<String>> {
    let rows = db
        .query(
            "SELECT s FROM unnest($1::text[]) s
             WHERE NOT EXISTS (SELECT 1 FROM projects p WHERE p.slug = s)
               AND EXISTS (SELECT 1 FROM project_revisions r WHERE r.slug = s) ORDER BY s",
            &[&slugs],
        )
        .await
        .map_err(StoreError::query("deleted_projects_among"))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

impl Store {
    /// Those of `slugs` that belong to deleted projects (a data load leaves them deleted).
    ///
    /// # Errors
    /// When the query fails.
    pub async fn deleted_project_slugs(&self, slugs: &[&str]) -> StoreResult<Vec<String>> {
        let client = self.client().await?;
        deleted_among(&client, slugs).await
    }
}

/// Project `slug` as stored, read on `db` (a transaction holding its lock, when it matters).
pub(crate) async fn stored_in(
    db: &impl deadpool_postgres::GenericClient,
    slug: &str,
) -> StoreResult<Option<StoredProject>> {
    Ok(db
        .query_opt("SELECT city, visibility, revision FROM projects WHERE slug = $1", &[&slug])
        .await
        .map_err(StoreError::query("stored_project"))?
        .map(|r| StoredProject {
            city: r.get(0),
            visibility: r.get::<_, &str>(1).parse().unwrap_or(Visibility::Draft),
            revision: r.get(2),
        }))
}

/// Writes `projects` in transaction `tx` (inserted, or updated when they changed); returns how
/// many rows were written.
pub(crate) async fn write_projects(
    tx: &tokio_postgres::Transaction<'_>,
    projects: &[ProjectRecord],
) -> StoreResult<u64> {
    let stmt = tx
        .prepare(
            "INSERT INTO projects (slug, city, title, title_local, description, description_local, sectors,
                     dimensions, status, budget, currency, start_date, end_date, partners, source, approximate,
                     visibility, geom, kind)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::float8::numeric, $11, $12, $13, $14, $15, $16, $17,
                         ST_SetSRID(ST_GeomFromGeoJSON($18::text), 4326), $19)
                 ON CONFLICT (slug) DO UPDATE SET
                     city = EXCLUDED.city, title = EXCLUDED.title, title_local = EXCLUDED.title_local,
                     description = EXCLUDED.description, description_local = EXCLUDED.description_local,
                     sectors = EXCLUDED.sectors, dimensions = EXCLUDED.dimensions, status = EXCLUDED.status,
                     budget = EXCLUDED.budget, currency = EXCLUDED.currency, start_date = EXCLUDED.start_date,
                     end_date = EXCLUDED.end_date, partners = EXCLUDED.partners, source = EXCLUDED.source,
                     approximate = EXCLUDED.approximate, visibility = EXCLUDED.visibility, geom = EXCLUDED.geom,
                     kind = EXCLUDED.kind, revision = projects.revision + 1, updated_at = now()
                 WHERE (projects.city, projects.title, projects.title_local, projects.description,
                        projects.description_local, projects.sectors, projects.dimensions, projects.status,
                        projects.budget, projects.currency, projects.start_date, projects.end_date, projects.partners,
                        projects.source, projects.approximate, projects.visibility, ST_AsEWKB(projects.geom),
                        projects.kind)
                       IS DISTINCT FROM
                       (EXCLUDED.city, EXCLUDED.title, EXCLUDED.title_local, EXCLUDED.description,
                        EXCLUDED.description_local, EXCLUDED.sectors, EXCLUDED.dimensions, EXCLUDED.status,
                        EXCLUDED.budget, EXCLUDED.currency, EXCLUDED.start_date, EXCLUDED.end_date, EXCLUDED.partners,
                        EXCLUDED.source, EXCLUDED.approximate, EXCLUDED.visibility, ST_AsEWKB(EXCLUDED.geom),
                        EXCLUDED.kind)",
        )
        .await
        .map_err(StoreError::query("upsert_projects_prepare"))?;
    let mut written = 0;
    for p in projects {
        let m = &p.meta;
        let sectors: Vec<&str> = m.sectors.iter().map(|s| s.as_str()).collect();
        let dimensions: Vec<&str> = m.dimensions.iter().map(|d| d.as_str()).collect();
        let (budget, currency) = match &m.budget {
            Some(b) => (Some(b.amount), Some(b.currency.as_str())),
            None => (None, None),
        };
        written += tx
            .execute(
                &stmt,
                &[
                    &p.slug.as_str(),
                    &m.city.as_str(),
                    &m.title,
                    &m.title_local,
                    &m.description,
                    &m.description_local,
                    &sectors,
                    &dimensions,
                    &m.status.as_str(),
                    &budget,
                    &currency,
                    &m.start_date,
                    &m.end_date,
                    &m.partners,
                    &m.source,
                    &m.approximate,
                    &m.visibility.as_str(),
                    &p.geometry,
                    &m.kind.map(nexus_core::LayerKind::as_str),
                ],
            )
            .await
            .map_err(|e| {
                if e.code() == Some(&tokio_postgres::error::SqlState::FOREIGN_KEY_VIOLATION) {
                    StoreError::Invalid(format!(
                        "project '{}' was refused: its city '{}' is not one of the cities (GET /api/cities)",
                        p.slug, m.city
                    ))
                } else if e.as_db_error().is_some() {
                    StoreError::Invalid(format!("project '{}' was refused: {}", p.slug, describe(&e)))
                } else {
                    StoreError::query("upsert_project")(e)
                }
            })?;
    }
    Ok(written)
}
