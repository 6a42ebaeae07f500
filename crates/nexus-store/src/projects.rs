//! The projects table: loading projects from data files.

use nexus_core::ProjectRecord;

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
                    if e.as_db_error().is_some() {
                        StoreError::Invalid(format!("project '{}' was refused: {}", p.slug, describe(&e)))
                    } else {
                        StoreError::query("upsert_project")(e)
                    }
                })?;
        }
        tx.commit().await.map_err(StoreError::query("upsert_projects_commit"))?;
        Ok(written)
    }
}
