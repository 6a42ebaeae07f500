//! What the Nexus says about one project (its profile) and about one city (its summary).

use std::collections::BTreeMap;

use nexus_core::{DraftScope, LayerKind, Sector, Selector};
use serde::Serialize;

use super::ends::End;
use super::live::{live_links, Subject};
use super::overlay::{HEX, LINKS};
use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

/// A layer a project lies on (or crosses).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct TouchedLayer {
    /// Layer id.
    pub layer: String,
    /// Its title.
    pub title: String,
    /// Its kind.
    pub kind: String,
    /// Its sectors.
    pub sectors: Vec<String>,
    /// How many of its features the project meets.
    pub features: i64,
}

/// A project seen through the other sectors.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ProjectProfile {
    /// The project's slug.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// Its title in the local language.
    pub title_local: Option<String>,
    /// Its city.
    pub city: String,
    /// Its own sectors.
    pub sectors: Vec<String>,
    /// What it builds, if said.
    pub kind: Option<String>,
    /// The layers under it, boundaries aside.
    pub touches: Vec<TouchedLayer>,
    /// Its own sectors and those of what it lies on, without repeats.
    pub sectors_on_the_ground: Vec<String>,
    /// Every rule match it makes, as GeoJSON Features (the project is the `projects` end).
    #[ts(type = "GeoJSON.Feature[]")]
    pub links: Vec<serde_json::Value>,
    /// How many synergies, conflicts and constraints.
    pub summary: BTreeMap<String, usize>,
    /// The rules whose constraints it triggers (titles), without repeats.
    pub constraints: Vec<String>,
    /// Whether it meets two sectors or more.
    pub cross_sector: bool,
}

/// A city's Nexus at a glance.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CitySummary {
    /// The city's slug.
    pub city: String,
    /// The five sectors, in the order of the matrices' rows and columns.
    pub sectors: Vec<String>,
    /// Sector × sector counts of links, per effect (symmetric: a water-waste link counts in both
    /// the water row and the waste row).
    pub matrix: BTreeMap<String, Vec<Vec<i64>>>,
    /// Links per effect.
    pub links: BTreeMap<String, i64>,
    /// Links per rule.
    pub rules: BTreeMap<String, i64>,
    /// Projects per sector, per status and per Nexus dimension, and in all.
    pub projects: BTreeMap<String, BTreeMap<String, i64>>,
    /// Projects in all, and those touching two sectors or more.
    pub project_count: i64,
    /// Projects touching two sectors or more.
    pub cross_sector_projects: i64,
    /// Intensity cells, and the most sectors one holds.
    pub cells: i64,
    /// The most distinct sectors in one cell.
    pub max_sectors_in_a_cell: i64,
}

impl Store {
    /// The profile of project `slug`, or `None` when there is no such project (or it is a
    /// draft `drafts` does not see). Its links are computed now, against public data and the
    /// drafts `drafts` sees.
    ///
    /// # Errors
    /// When a query fails.
    pub async fn project_profile(&self, slug: &str, drafts: &DraftScope) -> StoreResult<Option<ProjectProfile>> {
        let client = self.read_client().await?;
        let Some(p) = client
            .query_opt(
                "SELECT slug, title, title_local, city, sectors, kind, geom IS NOT NULL FROM projects
                 WHERE slug = $1 AND nexus_may_see(visibility, city, $2)",
                &[&slug, &drafts.to_sql()],
            )
            .await
            .map_err(StoreError::query("nexus_profile"))?
        else {
            return Ok(None);
        };
        let sectors: Vec<String> = p.get(4);
        let kind: Option<String> = p.get(5);
        let placed: bool = p.get(6);
        let mut touches = Vec::new();
        let mut links = Vec::new();
        if placed {
            touches = client
                .query(
                    &format!(
                        "SELECT l.id, l.title, l.kind, l.sectors, count(*)
                         FROM projects p
                         JOIN features f ON f.geom_3857 && p.geom_3857 AND ST_Intersects(f.geom, p.geom)
                         JOIN layers l ON l.id = f.layer_id
                         WHERE p.slug = $1 AND l.kind <> 'boundary' AND NOT l.basemap AND l.id NOT IN ('{LINKS}', '{HEX}')
                           AND nexus_may_see(l.visibility, l.city, $2)
                         GROUP BY l.id, l.title, l.kind, l.sectors ORDER BY l.id"
                    ),
                    &[&slug, &drafts.to_sql()],
                )
                .await
                .map_err(StoreError::query("nexus_profile_touches"))?
                .iter()
                .map(|r| TouchedLayer {
                    layer: r.get(0),
                    title: r.get(1),
                    kind: r.get(2),
                    sectors: r.get(3),
                    features: r.get(4),
                })
                .collect();
            let own_sectors: Vec<Sector> = sectors.iter().filter_map(|s| s.parse().ok()).collect();
            let kinds = Selector::project_kinds(kind.as_deref().and_then(|k| k.parse::<LayerKind>().ok()));
            let end = End::Projects { only: Some(vec![slug.to_owned()]), except: vec![], drafts: drafts.clone() };
            let city: String = p.get(3);
            let subject = Subject {
                end: &end,
                kinds: &kinds,
                sectors: &own_sectors,
                city: Some(city.as_str()),
                slug: Some(slug),
            };
            let rules = super::rules::read_rule_set(&*client).await?;
            links = live_links(&client, &rules, &subject, drafts, &[])
                .await?
                .links
                .into_iter()
                .map(|l| l.feature)
                .collect();
        }
        let mut on_ground: Vec<String> = sectors.clone();
        on_ground.extend(touches.iter().flat_map(|t| t.sectors.iter().cloned()));
        on_ground.sort();
        on_ground.dedup();
        let mut summary = BTreeMap::new();
        for effect in ["synergy", "conflict", "constraint"] {
            summary.insert(effect.to_owned(), links.iter().filter(|l| l["properties"]["effect"] == effect).count());
        }
        let mut constraints: Vec<String> = links
            .iter()
            .filter(|l| l["properties"]["effect"] == "constraint")
            .filter_map(|l| l["properties"]["title"].as_str().map(str::to_owned))
            .collect();
        constraints.dedup();
        Ok(Some(ProjectProfile {
            slug: p.get(0),
            title: p.get(1),
            title_local: p.get(2),
            city: p.get(3),
            cross_sector: on_ground.len() >= 2,
            sectors,
            kind,
            touches,
            sectors_on_the_ground: on_ground,
            links,
            summary,
            constraints,
        }))
    }

    /// The summary of city `slug` from the stored overlays and its projects (drafts too for
    /// planners), or `None` when there is no such city.
    ///
    /// # Errors
    /// When a query fails.
    pub async fn city_summary(&self, slug: &str, drafts: &DraftScope) -> StoreResult<Option<CitySummary>> {
        let client = self.read_client().await?;
        if client
            .query_opt("SELECT 1 FROM cities WHERE slug = $1", &[&slug])
            .await
            .map_err(StoreError::query("nexus_city"))?
            .is_none()
        {
            return Ok(None);
        }
        let sectors: Vec<String> = Sector::ALL.iter().map(|s| s.as_str().to_owned()).collect();
        let has_links: bool = client
            .query_one(&format!("SELECT to_regclass('\"f_{LINKS}\"') IS NOT NULL"), &[])
            .await
            .map_err(StoreError::query("nexus_city"))?
            .get(0);
        let (matrix, links, rules) = if has_links {
            city_links(&client, slug, &sectors).await?
        } else {
            (zero_matrices(&sectors), BTreeMap::new(), BTreeMap::new())
        };
        let projects = city_projects(&client, slug, drafts).await?;
        let totals = client
            .query_one(
                "SELECT count(*), count(*) FILTER (WHERE cardinality(sectors) >= 2) FROM projects
                 WHERE city = $1 AND nexus_may_see(visibility, city, $2)",
                &[&slug, &drafts.to_sql()],
            )
            .await
            .map_err(StoreError::query("nexus_city_projects"))?;
        let (cells, max_sectors) = if has_links {
            let r = client
                .query_one(
                    &format!(
                        "SELECT count(*), coalesce(max((properties->>'sectors')::int), 0)::int8 FROM \"f_{HEX}\"
                         WHERE properties->>'city' = $1"
                    ),
                    &[&slug],
                )
                .await
                .map_err(StoreError::query("nexus_city_cells"))?;
            (r.get(0), r.get(1))
        } else {
            (0, 0)
        };
        Ok(Some(CitySummary {
            city: slug.to_owned(),
            sectors,
            matrix,
            links,
            rules,
            projects,
            project_count: totals.get(0),
            cross_sector_projects: totals.get(1),
            cells,
            max_sectors_in_a_cell: max_sectors,
        }))
    }
}

/// Per effect, the sector × sector matrix of a city's links (a link counts in every pair of
/// its two ends' sectors, both ways), and its links by effect and by rule.
async fn city_links(
    client: &deadpool_postgres::Object,
    slug: &str,
    sectors: &[String],
) -> StoreResult<(BTreeMap<String, Vec<Vec<i64>>>, BTreeMap<String, i64>, BTreeMap<String, i64>)> {
    let at = |s: &str| sectors.iter().position(|x| x == s);
    let mut matrix = zero_matrices(sectors);
    let mut links = BTreeMap::new();
    let mut rules = BTreeMap::new();
    for r in client
        .query(
            &format!(
                "SELECT fs, ts, k.properties->>'effect', count(*)
                     FROM \"f_{LINKS}\" k,
                          jsonb_array_elements_text(k.properties->'from_sectors') fs,
                          jsonb_array_elements_text(k.properties->'to_sectors') ts
                     WHERE k.properties->>'city' = $1 GROUP BY 1, 2, 3"
            ),
            &[&slug],
        )
        .await
        .map_err(StoreError::query("nexus_city_matrix"))?
    {
        let (a, b, effect, n): (String, String, String, i64) = (r.get(0), r.get(1), r.get(2), r.get(3));
        if let (Some(i), Some(j), Some(m)) = (at(&a), at(&b), matrix.get_mut(&effect)) {
            m[i][j] += n;
            if i != j {
                m[j][i] += n;
            }
        }
    }
    for r in client
        .query(
            &format!(
                "SELECT properties->>'effect', properties->>'rule', count(*) FROM \"f_{LINKS}\"
                     WHERE properties->>'city' = $1 GROUP BY 1, 2"
            ),
            &[&slug],
        )
        .await
        .map_err(StoreError::query("nexus_city_links"))?
    {
        let n: i64 = r.get(2);
        *links.entry(r.get::<_, String>(0)).or_insert(0) += n;
        *rules.entry(r.get::<_, String>(1)).or_insert(0) += n;
    }
    Ok((matrix, links, rules))
}

/// A city's projects counted by sector, status and dimension.
async fn city_projects(
    client: &deadpool_postgres::Object,
    slug: &str,
    drafts: &DraftScope,
) -> StoreResult<BTreeMap<String, BTreeMap<String, i64>>> {
    let mut projects: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for (group, sql) in [
        ("sector", "SELECT unnest(sectors), count(*) FROM projects WHERE city = $1 AND nexus_may_see(visibility, city, $2) GROUP BY 1"),
        ("status", "SELECT status, count(*) FROM projects WHERE city = $1 AND nexus_may_see(visibility, city, $2) GROUP BY 1"),
        (
            "dimension",
            "SELECT unnest(dimensions), count(*) FROM projects WHERE city = $1 AND nexus_may_see(visibility, city, $2) GROUP BY 1",
        ),
    ] {
        let counts = client
            .query(sql, &[&slug, &drafts.to_sql()])
            .await
            .map_err(StoreError::query("nexus_city_projects"))?
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1)))
            .collect();
        projects.insert(group.to_owned(), counts);
    }
    Ok(projects)
}

/// A sector × sector matrix of zeros per effect.
fn zero_matrices(sectors: &[String]) -> BTreeMap<String, Vec<Vec<i64>>> {
    ["synergy", "conflict", "constraint"]
        .iter()
        .map(|e| ((*e).to_owned(), vec![vec![0; sectors.len()]; sectors.len()]))
        .collect()
}
