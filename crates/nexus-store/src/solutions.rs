//! The programme's showcased solutions: replaced as a whole from `data/solutions.toml`, read
//! with the projects that do them (only those the reader may see: a draft never shows).

use nexus_core::{DraftScope, Sector, Solution};
use serde::Serialize;

use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

/// A project doing a solution's work, as a reader sees it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct SolutionProject {
    /// The project's slug.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// Its city.
    pub city: String,
}

/// A showcased solution as served.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SolutionRow {
    /// Its identifier.
    pub slug: String,
    /// What the work is.
    pub title: String,
    /// The same in Thai.
    pub title_local: Option<String>,
    /// What the sources say.
    pub description: String,
    /// Its sectors.
    pub sectors: Vec<String>,
    /// Where that is said.
    pub source: String,
    /// What the sources do not say.
    pub note: Option<String>,
    /// The projects doing it that the reader may see.
    pub projects: Vec<SolutionProject>,
}

impl Store {
    /// Replaces every solution with `solutions`, in their order; true when anything changed.
    ///
    /// # Errors
    /// When a row is refused (the message says which) or the database fails.
    pub async fn replace_solutions(&self, solutions: &[Solution]) -> StoreResult<bool> {
        let mut db = self.client().await?;
        let tx = db.transaction().await.map_err(StoreError::query("solutions_begin"))?;
        let before: String = tx
            .query_one("SELECT coalesce(json_agg(s ORDER BY position)::text, '') FROM showcased_solutions s", &[])
            .await
            .map_err(StoreError::query("solutions_before"))?
            .get(0);
        tx.execute("DELETE FROM showcased_solutions", &[]).await.map_err(StoreError::query("solutions_clear"))?;
        for (i, s) in solutions.iter().enumerate() {
            let sectors: Vec<&str> = s.sectors.iter().map(|x| Sector::as_str(*x)).collect();
            let projects: Vec<&str> = s.projects.iter().map(nexus_core::ProjectSlug::as_str).collect();
            tx.execute(
                "INSERT INTO showcased_solutions (slug, position, title, title_local, description, sectors, source,
                                                  note, projects)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    &s.slug.as_str(),
                    &i32::try_from(i).unwrap_or(i32::MAX),
                    &s.title,
                    &s.title_local,
                    &s.description,
                    &sectors,
                    &s.source,
                    &s.note,
                    &projects,
                ],
            )
            .await
            .map_err(|e| {
                StoreError::Invalid(format!("solution '{}' refused: {}", s.slug, crate::error::describe(&e)))
            })?;
        }
        let after: String = tx
            .query_one("SELECT coalesce(json_agg(s ORDER BY position)::text, '') FROM showcased_solutions s", &[])
            .await
            .map_err(StoreError::query("solutions_after"))?
            .get(0);
        tx.commit().await.map_err(StoreError::query("solutions_commit"))?;
        Ok(before != after)
    }

    /// Every solution in order, with the projects doing it that `drafts` may see.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn solutions(&self, drafts: &DraftScope) -> StoreResult<Vec<SolutionRow>> {
        let db = self.read_client().await?;
        let rows = db
            .query(
                "SELECT s.slug, s.title, s.title_local, s.description, s.sectors, s.source, s.note,
                        coalesce((SELECT json_agg(json_build_object('slug', p.slug, 'title', p.title, 'city', p.city)
                                                  ORDER BY x.n)
                                  FROM unnest(s.projects) WITH ORDINALITY x(slug, n)
                                  JOIN projects p ON p.slug = x.slug
                                  WHERE nexus_may_see(p.visibility, p.city, $1)), '[]')::text
                 FROM showcased_solutions s ORDER BY s.position",
                &[&drafts.to_sql()],
            )
            .await
            .map_err(StoreError::query("solutions"))?;
        rows.iter()
            .map(|r| {
                let projects: String = r.get(7);
                Ok(SolutionRow {
                    slug: r.get(0),
                    title: r.get(1),
                    title_local: r.get(2),
                    description: r.get(3),
                    sectors: r.get(4),
                    source: r.get(5),
                    note: r.get(6),
                    projects: serde_json::from_str(&projects).map_err(|e| StoreError::Invalid(e.to_string()))?,
                })
            })
            .collect()
    }
}
