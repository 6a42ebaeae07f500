//! The Nexus in the database: the rules (as data), the overlays computed from them (links now,
//! the intensity grid beside them) and kept current incrementally, and the what-if evaluation
//! of a sketch that stores nothing.

mod ends;
mod hex;
mod live;
mod matches;
mod overlay;
mod report;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use nexus_core::{LayerKind, Rule, RuleSet, Sector};
use serde::Serialize;
use tokio_postgres::Transaction;

pub use live::{Checked, Draft, EvaluatedLink, LiveLinks};
pub use overlay::{HEX, LINKS};
pub use report::{CitySummary, ProjectProfile, TouchedLayer};

use self::ends::End;
use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

/// What a refresh did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NexusRefresh {
    /// Everything was recomputed (the rules changed, or nothing had been computed).
    pub full: bool,
    /// Sources (layers, projects) whose links were recomputed.
    pub sources: usize,
    /// Links removed and added.
    pub links_removed: u64,
    /// Links added.
    pub links_added: u64,
    /// Intensity cells written (in an incremental update: removed plus written).
    pub cells: u64,
    /// Wall time, in milliseconds.
    pub elapsed_ms: u64,
}

impl NexusRefresh {
    /// Whether the overlays changed.
    pub fn changed(&self) -> bool {
        self.full || self.links_removed > 0 || self.links_added > 0 || self.cells > 0
    }
}

/// A source of overlay inputs (`layer:ID` or `project:SLUG`) as the overlays see it.
#[derive(Debug, Clone, PartialEq)]
struct Input {
    revision: i64,
    public: bool,
    city: Option<String>,
    bbox: Option<hex::Box3857>,
}

impl Input {
    fn same_state(&self, other: &Input) -> bool {
        self.revision == other.revision && self.public == other.public
    }
}

type Inputs = BTreeMap<String, Input>;

/// Boxes (web mercator) per city where overlays must be looked at again.
type Dirty = BTreeMap<String, Vec<hex::Box3857>>;

fn mark(dirty: &mut Dirty, city: Option<&String>, bbox: Option<hex::Box3857>) {
    if let (Some(c), Some(b)) = (city, bbox) {
        dirty.entry(c.clone()).or_default().push(b);
    }
}

/// A public layer as the rules see it.
#[derive(Debug, Clone)]
struct LayerEnd {
    id: String,
    kind: LayerKind,
    sectors: Vec<Sector>,
    city: Option<String>,
    country: Option<String>,
    title: String,
    features: u64,
}

impl LayerEnd {
    fn end(&self) -> End {
        End::Layer {
            id: self.id.clone(),
            city: self.city.clone(),
            country: self.country.clone(),
            kind: self.kind,
            sectors: self.sectors.clone(),
            title: self.title.clone(),
        }
    }
}

impl Store {
    /// Replaces the rule set (rules and grid settings) when it differs from the stored one.
    /// Returns whether it changed; the overlays follow at the next refresh.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when a rule breaks the rules for rules; nothing is written then.
    pub async fn replace_rules(&self, set: &RuleSet) -> StoreResult<bool> {
        set.validate().map_err(|e| StoreError::Invalid(e.to_string()))?;
        if self.rule_set().await? == *set {
            return Ok(false);
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(StoreError::query("rules_begin"))?;
        tx.batch_execute("DELETE FROM nexus_rules").await.map_err(StoreError::query("rules_clear"))?;
        for (i, rule) in set.rules.iter().enumerate() {
            let body = serde_json::to_value(rule).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let position = i32::try_from(i).map_err(|e| StoreError::Invalid(e.to_string()))?;
            tx.execute(
                "INSERT INTO nexus_rules (position, id, body) VALUES ($1, $2, $3)",
                &[&position, &rule.id, &body],
            )
            .await
            .map_err(StoreError::query("rules_insert"))?;
        }
        let grid = serde_json::to_value(&set.grid).map_err(|e| StoreError::Invalid(e.to_string()))?;
        tx.execute(
            "INSERT INTO nexus_settings (key, value) VALUES ('grid', $1)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&grid],
        )
        .await
        .map_err(StoreError::query("rules_grid"))?;
        tx.commit().await.map_err(StoreError::query("rules_commit"))?;
        Ok(true)
    }

    /// The stored rule set (empty until rules are loaded).
    ///
    /// # Errors
    /// When the query fails or a stored rule no longer reads.
    pub async fn rule_set(&self) -> StoreResult<RuleSet> {
        read_rule_set(&self.client().await?).await
    }

    /// Recomputes the overlays from scratch, whatever changed.
    ///
    /// # Errors
    /// As [`Store::refresh_nexus`].
    pub async fn rebuild_nexus(&self) -> StoreResult<NexusRefresh> {
        self.refresh(true).await
    }

    /// Brings the overlays up to date with the layers, projects and rules: recomputes the
    /// links of every source that changed since the last refresh (all of them when the rules
    /// changed), in one transaction that other refreshes wait for, and gives the overlay layers
    /// a new revision when anything changed.
    ///
    /// # Errors
    /// When a query fails; the overlays then stay as they were.
    pub async fn refresh_nexus(&self) -> StoreResult<NexusRefresh> {
        self.refresh(false).await
    }

    /// A refresh; `force` rebuilds everything (decided under the refresh's lock, so a refresh
    /// running meanwhile cannot turn it into an incremental one).
    async fn refresh(&self, force: bool) -> StoreResult<NexusRefresh> {
        let started = Instant::now();
        {
            // No rules and no overlays yet: a database that does not use the Nexus gets no
            // overlay layers in its catalog. Otherwise the overlay layers are made sure of in a
            // transaction of their own: creating a partition locks the whole features table,
            // which the helper connections below must read.
            let mut client = self.client().await?;
            let used: bool = client
                .query_one(
                    &format!("SELECT EXISTS (SELECT 1 FROM nexus_rules) OR EXISTS (SELECT 1 FROM layers WHERE id = '{LINKS}')"),
                    &[],
                )
                .await
                .map_err(StoreError::query("nexus_exists"))?
                .get(0);
            if !used {
                return Ok(NexusRefresh::default());
            }
            if !overlay::ready(&client).await? {
                let tx = client.transaction().await.map_err(StoreError::query("nexus_begin"))?;
                tx.batch_execute("SELECT pg_advisory_xact_lock(hashtext('nexus-overlays'))")
                    .await
                    .map_err(StoreError::query("nexus_lock"))?;
                overlay::ensure(&tx).await?;
                tx.commit().await.map_err(StoreError::query("nexus_commit"))?;
            }
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(StoreError::query("nexus_begin"))?;
        // The features table is locked before any of its partitions, in the order an ingest's
        // partition swap takes them, so the two wait for each other rather than deadlock.
        tx.batch_execute(
            "SELECT pg_advisory_xact_lock(hashtext('nexus-overlays'));
             LOCK TABLE features IN ACCESS SHARE MODE",
        )
        .await
        .map_err(StoreError::query("nexus_lock"))?;
        // Where the time goes, for `NEXUS_LOG=nexus_store=debug`.
        let phase = |what: &str| {
            tracing::debug!(nexus.phase = what, elapsed_ms = started.elapsed().as_millis(), "nexus refresh");
        };
        phase("locked");
        let (rules, digest, layers, facets, current) = read_inputs(&tx).await?;
        phase("inputs read");
        let (recorded_digest, recorded) = tokio::try_join!(
            async {
                tx.query_opt("SELECT digest FROM nexus_inputs WHERE source = 'rules'", &[])
                    .await
                    .map_err(StoreError::query("nexus_inputs"))
            },
            async {
                tx.query("SELECT source, revision, public, city, bbox FROM nexus_inputs WHERE source <> 'rules'", &[])
                    .await
                    .map_err(StoreError::query("nexus_inputs"))
            }
        )?;
        let recorded_digest: Option<String> = recorded_digest.and_then(|r| r.get(0));
        let recorded: Inputs =
            recorded.iter().map(|r| (r.get::<_, String>(0), input(r.get(1), r.get(2), r.get(3), r.get(4)))).collect();
        let full = force || recorded_digest.as_deref() != Some(digest.as_str());
        let changed: BTreeSet<String> = if full {
            current.keys().cloned().collect()
        } else {
            current
                .iter()
                .filter(|(k, v)| recorded.get(*k).is_none_or(|r| !r.same_state(v)))
                .map(|(k, _)| k.clone())
                .chain(recorded.keys().filter(|k| !current.contains_key(*k)).cloned())
                .collect()
        };
        let mut out = NexusRefresh { full, sources: changed.len(), ..NexusRefresh::default() };
        // For an incremental update: the last id before it, and how many cells the grid gained.
        let (mut since, mut hex_delta) = (0_i64, 0_i64);
        let mut dirty = Dirty::new();
        for source in &changed {
            for state in [recorded.get(source), current.get(source)].into_iter().flatten() {
                mark(&mut dirty, state.city.as_ref(), state.bbox);
            }
        }
        // The ends each rule joins: every public layer, and the public projects (those that
        // changed apart, so only pairs that involve a change are recomputed).
        let changed_projects: Vec<String> =
            changed.iter().filter_map(|s| s.strip_prefix("project:")).map(str::to_owned).collect();
        let mut ends: Vec<(End, bool)> =
            layers.iter().map(|l| (l.end(), changed.contains(&format!("layer:{}", l.id)))).collect();
        if full {
            ends.push((End::Projects { only: None, except: vec![], drafts: false }, true));
        } else {
            if !changed_projects.is_empty() {
                ends.push((
                    End::Projects { only: Some(changed_projects.clone()), except: vec![], drafts: false },
                    true,
                ));
            }
            ends.push((End::Projects { only: None, except: changed_projects, drafts: false }, false));
        }
        let mut pairs: Vec<(&Rule, &End, &End)> = Vec::new();
        for rule in &rules.rules {
            for (from, from_changed) in &ends {
                if !picks(rule, from, &layers, Some(&facets), true) {
                    continue;
                }
                for (to, to_changed) in &ends {
                    if (*from_changed || *to_changed)
                        && picks(rule, to, &layers, Some(&facets), false)
                        && same_city(from, to)
                        && !mirrored(rule, from, to, &layers)
                    {
                        pairs.push((rule, from, to));
                    }
                }
            }
        }
        if full {
            // Everything from scratch: helper connections fill fresh tables (links as of this
            // refresh's snapshot, then the grid from them), whose indexes are then built once
            // and which are swapped in for the old partitions in this transaction.
            out.links_removed = u64::try_from(count_of(&tx, LINKS).await?).unwrap_or(0);
            let selects: Vec<(u64, String)> = pairs
                .iter()
                .map(|(rule, from, to)| {
                    let sql = format!(
                        "SELECT m.link_geom AS geom, {props} AS properties FROM ({matches}) m",
                        props = matches::stored_link_properties(rule),
                        matches = matches::match_sql(rule, from, to)
                    );
                    (cost(from, to, &layers), sql)
                })
                .collect();
            // The helpers share one snapshot, so the links they write are of one moment.
            let snapshot: String = tx
                .query_one("SELECT pg_export_snapshot()", &[])
                .await
                .map_err(StoreError::query("nexus_snapshot"))?
                .get(0);
            out.links_added = self.fill(LINKS, Some(&snapshot), share(selects, HELPERS)).await?;
            let mut cities: BTreeMap<&String, Vec<hex::Box3857>> = BTreeMap::new();
            for i in current.values().filter(|i| i.public) {
                if let (Some(c), Some(b)) = (&i.city, i.bbox) {
                    cities.entry(c).or_default().push(b);
                }
            }
            let mut groups: Vec<Vec<String>> = vec![Vec::new(); HELPERS];
            for (city, boxes) in &cities {
                if let Some(area) = hex::union(boxes) {
                    for (k, group) in groups.iter_mut().enumerate() {
                        let part = Some((HELPERS, k));
                        let cells = hex::cells_sql(
                            city,
                            rules.grid.hex_size_m,
                            &grid_layers(&layers, city),
                            area,
                            part,
                            &format!("f_{LINKS}__next"),
                        );
                        group.push(format!("SELECT * FROM ({cells}) c"));
                    }
                }
            }
            // The grid counts the new links (committed in their scratch table, which the
            // snapshot cannot see: the grid reads the committed present), found by their
            // spatial index, built now rather than at the swap.
            self.client()
                .await?
                .batch_execute(&overlay::scratch_index_sql(LINKS))
                .await
                .map_err(StoreError::query("nexus_links_index"))?;
            out.cells = self.fill(HEX, None, groups).await?;
            overlay::swap(&tx, LINKS, overlay::LINK_INDEXES).await?;
            overlay::swap(&tx, HEX, overlay::HEX_INDEXES).await?;
        } else if !changed.is_empty() {
            since = tx
                .query_one("SELECT last_value FROM nexus_link_fid", &[])
                .await
                .map_err(StoreError::query("nexus_since"))?
                .get(0);
            let refs: Vec<&str> = changed.iter().map(String::as_str).collect();
            let sql = format!(
                "WITH gone AS (DELETE FROM \"f_{LINKS}\"
                               WHERE properties->>'from_ref' = ANY($1) OR properties->>'to_ref' = ANY($1)
                               RETURNING properties->>'city' AS city, geom_3857)
                 {boxes}",
                boxes = boxes_by_city("gone")
            );
            for row in tx.query(&sql, &[&refs]).await.map_err(StoreError::query("nexus_forget"))? {
                out.links_removed += u64::try_from(row.get::<_, i64>(1)).unwrap_or(0);
                mark(&mut dirty, row.get::<_, Option<String>>(0).as_ref(), box_of(&row, 2));
            }
            // All the pairs that involve a change, in one statement: one round trip, one plan.
            if !pairs.is_empty() {
                let selects: Vec<String> = pairs
                    .iter()
                    .map(|(rule, from, to)| {
                        format!(
                            "SELECT m.link_geom AS geom, {props} AS properties FROM ({matches}) m",
                            props = matches::stored_link_properties(rule),
                            matches = matches::match_sql(rule, from, to)
                        )
                    })
                    .collect();
                let sql = format!(
                    "WITH added AS (
                         INSERT INTO \"f_{LINKS}\" (layer_id, fid, geom, properties)
                         SELECT '{LINKS}', nextval('nexus_link_fid'), r.geom, r.properties FROM ({union}) r
                         RETURNING properties->>'city' AS city, geom_3857)
                     {boxes}",
                    union = selects.join(" UNION ALL "),
                    boxes = boxes_by_city("added"),
                );
                for row in tx.query(&sql, &[]).await.map_err(StoreError::query("nexus_links"))? {
                    out.links_added += u64::try_from(row.get::<_, i64>(1)).unwrap_or(0);
                    mark(&mut dirty, row.get::<_, Option<String>>(0).as_ref(), box_of(&row, 2));
                }
            }
            phase("links updated");
            // The intensity cells around what moved: old and new places, links gone and come.
            // Places far apart are recounted apart: a project moved across town recounts two
            // small areas, not the town between them.
            for (city, boxes) in &dirty {
                let grid_layers = grid_layers(&layers, city);
                for area in hex::clusters(boxes, 4.0 * rules.grid.hex_size_m) {
                    let (removed, written) =
                        hex::recompute_area(&tx, city, rules.grid.hex_size_m, &grid_layers, area).await?;
                    out.cells += removed + written;
                    hex_delta += i64::try_from(written).unwrap_or(0) - i64::try_from(removed).unwrap_or(0);
                }
            }
        }
        phase("overlays written");
        if full || !changed.is_empty() {
            record_inputs(&tx, &digest, &current).await?;
        }
        if out.full {
            overlay::touch(&tx, LINKS).await?;
            overlay::touch(&tx, HEX).await?;
        } else if out.changed() {
            let links_delta =
                i64::try_from(out.links_added).unwrap_or(0) - i64::try_from(out.links_removed).unwrap_or(0);
            overlay::touch_since(&tx, LINKS, links_delta, since).await?;
            overlay::touch_since(&tx, HEX, hex_delta, since).await?;
        }
        phase("recorded");
        tx.commit().await.map_err(StoreError::query("nexus_commit"))?;
        phase("committed");
        out.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Ok(out)
    }
}

/// What the rules see of a public, placed project.
#[derive(Debug, Clone)]
struct ProjectFacet {
    slug: String,
    kinds: Vec<LayerKind>,
    sectors: Vec<Sector>,
}

/// Whether `rule` applies to `end` on its `from` side (or its `to` side): a layer by its kind
/// and sectors; projects when one of them would match (when `projects` is known; SQL filters
/// them row by row in any case), so no statement is written for a pair that cannot match.
fn picks(rule: &Rule, end: &End, layers: &[LayerEnd], projects: Option<&[ProjectFacet]>, from: bool) -> bool {
    let selector = if from { &rule.from } else { &rule.to };
    match (end, projects) {
        (End::Layer { id, .. }, _) => {
            layers.iter().find(|l| &l.id == id).is_some_and(|l| selector.matches(&[l.kind], &l.sectors))
        }
        (End::Projects { only, except, .. }, Some(projects)) => projects
            .iter()
            .filter(|p| only.as_ref().is_none_or(|o| o.contains(&p.slug)) && !except.contains(&p.slug))
            .any(|p| selector.matches(&p.kinds, &p.sectors)),
        (End::Projects { .. } | End::Draft { .. }, _) => true,
    }
}

/// Two layers of different cities never meet; projects are matched city by city in SQL.
fn same_city(a: &End, b: &End) -> bool {
    match (a, b) {
        (End::Layer { city: Some(x), .. }, End::Layer { city: Some(y), .. }) => x == y,
        _ => true,
    }
}

fn layer_end(r: &tokio_postgres::Row) -> Option<LayerEnd> {
    let kind = r.get::<_, String>(1).parse::<LayerKind>().ok()?;
    let sectors = r.get::<_, Vec<String>>(2).iter().filter_map(|s| s.parse::<Sector>().ok()).collect();
    let features = r.try_get::<_, i64>("feature_count").map_or(1, |n| u64::try_from(n).unwrap_or(1));
    Some(LayerEnd {
        id: r.get(0),
        kind,
        sectors,
        city: r.get(3),
        country: r.try_get("country").ok().flatten(),
        title: r.try_get("title").unwrap_or_default(),
        features,
    })
}

/// Connections a rebuild spreads over (the machines this runs on have two cores or more).
const HELPERS: usize = 2;

/// A rough cost of joining two ends, to share the work evenly: the features on each side.
fn cost(from: &End, to: &End, layers: &[LayerEnd]) -> u64 {
    let size = |e: &End| match e {
        End::Layer { id, .. } => layers.iter().find(|l| &l.id == id).map_or(1, |l| l.features.max(1)),
        End::Projects { .. } | End::Draft { .. } => 100,
    };
    size(from).saturating_mul(size(to))
}

/// Shares costed statements among `n` groups, largest first, each to the lightest group.
fn share(mut items: Vec<(u64, String)>, n: usize) -> Vec<Vec<String>> {
    items.sort_by_key(|i| std::cmp::Reverse(i.0));
    let mut groups: Vec<(u64, Vec<String>)> = vec![(0, Vec::new()); n];
    for (c, sql) in items {
        if let Some(g) = groups.iter_mut().min_by_key(|g| g.0) {
            g.0 = g.0.saturating_add(c);
            g.1.push(sql);
        }
    }
    groups.into_iter().map(|g| g.1).collect()
}

/// Rules, their digest, the public layers and every source's state, read in the refresh's
/// own transaction (an edit's refresh then needs one connection only: a second one costs a
/// connection's start-up when the pool is cold).
async fn read_inputs(
    tx: &deadpool_postgres::Transaction<'_>,
) -> StoreResult<(RuleSet, String, Vec<LayerEnd>, Vec<ProjectFacet>, Inputs)> {
    {
        // The reads go out together (pipelined on the one connection): an edit's refresh is
        // mostly round trips.
        let digest = async {
            tx.query_one(
                // The cities count as rules: a city's country picks national overrides and its
                // latitude sizes the grid, so a change to them recomputes everything.
                "SELECT md5(coalesce((SELECT string_agg(body::text, '|' ORDER BY position) FROM nexus_rules), '')
                            || coalesce((SELECT value::text FROM nexus_settings WHERE key = 'grid'), '')
                            || coalesce((SELECT string_agg(slug || ' ' || country || ' ' || ST_AsText(centre), '|' ORDER BY slug)
                                         FROM cities), ''))",
                &[],
            )
            .await
            .map_err(StoreError::query("nexus_digest"))
            .map(|r| r.get::<_, String>(0))
        };
        let (RuleSet { grid, rules }, digest, (layers, facets, inputs)) =
            tokio::try_join!(read_rule_set(tx), digest, current_inputs(tx))?;
        Ok((RuleSet { grid, rules }, digest, layers, facets, inputs))
    }
}

impl Store {
    /// Fills the scratch table of overlay `id` (emptied first) with the rows of every group
    /// of statements, one helper connection per group, all at once; with `snapshot`, each
    /// reads as of it. Returns the rows written.
    async fn fill(&self, id: &str, snapshot: Option<&str>, groups: Vec<Vec<String>>) -> StoreResult<u64> {
        let client = self.client().await?;
        client.batch_execute(&overlay::scratch_sql(id)).await.map_err(StoreError::query("nexus_scratch"))?;
        drop(client);
        let work = groups.into_iter().filter(|g| !g.is_empty()).map(|group| async move {
            let mut client = self.client().await?;
            let mut begin = client.build_transaction();
            if snapshot.is_some() {
                begin = begin.isolation_level(tokio_postgres::IsolationLevel::RepeatableRead);
            }
            let tx = begin.start().await.map_err(StoreError::query("nexus_fill_begin"))?;
            if let Some(s) = snapshot {
                tx.batch_execute(&format!("SET TRANSACTION SNAPSHOT {}", crate::features::sql_literal(s)))
                    .await
                    .map_err(StoreError::query("nexus_fill_snapshot"))?;
            }
            let n = tx
                .execute(
                    &format!(
                        "INSERT INTO \"f_{id}__next\" (layer_id, fid, geom, properties)
                         SELECT '{id}', nextval('nexus_link_fid'), r.geom, r.properties FROM ({}) r",
                        group.join(" UNION ALL ")
                    ),
                    &[],
                )
                .await
                .map_err(StoreError::query("nexus_fill"))?;
            tx.commit().await.map_err(StoreError::query("nexus_fill_commit"))?;
            Ok::<u64, StoreError>(n)
        });
        Ok(futures_util::future::try_join_all(work).await?.into_iter().sum())
    }
}

/// Rows in overlay `id`'s partition.
async fn count_of(tx: &Transaction<'_>, id: &str) -> StoreResult<i64> {
    Ok(tx
        .query_one(&format!("SELECT count(*) FROM \"f_{id}\""), &[])
        .await
        .map_err(StoreError::query("nexus_count"))?
        .get(0))
}

/// Per city, how many rows and their extent, from a CTE returning `city` and `geom_3857`.
fn boxes_by_city(cte: &str) -> String {
    format!(
        "SELECT city, n, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
         FROM (SELECT city, count(*) AS n, ST_Extent(geom_3857) AS e FROM {cte} GROUP BY city) x"
    )
}

fn box_of(row: &tokio_postgres::Row, at: usize) -> Option<hex::Box3857> {
    Some([row.get::<_, Option<f64>>(at)?, row.get(at + 1), row.get(at + 2), row.get(at + 3)])
}

fn input(revision: i64, public: bool, city: Option<String>, bbox: Option<Vec<f64>>) -> Input {
    Input { revision, public, city, bbox: bbox.and_then(|b| <[f64; 4]>::try_from(b).ok()) }
}

/// The layers of `city` that count in its intensity grid: its public layers, boundaries aside
/// (a district boundary covers the whole city and says nothing about what meets where).
fn grid_layers(layers: &[LayerEnd], city: &str) -> Vec<String> {
    layers
        .iter()
        .filter(|l| l.city.as_deref() == Some(city) && l.kind != LayerKind::Boundary)
        .map(|l| l.id.clone())
        .collect()
}

/// The public layers with features (the rules' inputs) and every source's state now.
async fn current_inputs(tx: &Transaction<'_>) -> StoreResult<(Vec<LayerEnd>, Vec<ProjectFacet>, Inputs)> {
    let layer_sql = format!(
                "SELECT id, kind, sectors, city, revision, visibility = 'public' AND feature_count > 0,
                        feature_count, title, (SELECT country FROM cities WHERE slug = layers.city) AS country,
                        ARRAY[ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)]
                 FROM layers
                 LEFT JOIN LATERAL (SELECT ST_Transform(ST_MakeEnvelope(bounds[1], greatest(bounds[2], -85.05),
                                                                        bounds[3], least(bounds[4], 85.05), 4326), 3857) AS b
                                    WHERE bounds IS NOT NULL) x ON true
                 WHERE id NOT IN ('{LINKS}', '{HEX}') ORDER BY id"
            );
    let layer_rows = tx.query(&layer_sql, &[]);
    let project_rows = tx.query(
        "SELECT slug, revision, visibility = 'public' AND geom IS NOT NULL, city,
                CASE WHEN geom IS NOT NULL THEN ARRAY[ST_XMin(geom_3857), ST_YMin(geom_3857), ST_XMax(geom_3857), ST_YMax(geom_3857)] END,
                kind, sectors
         FROM projects",
        &[],
    );
    let (rows, project_rows) =
        tokio::try_join!(async { layer_rows.await.map_err(StoreError::query("nexus_layers")) }, async {
            project_rows.await.map_err(StoreError::query("nexus_projects"))
        })?;
    let mut inputs = Inputs::new();
    let mut layers = Vec::new();
    for r in &rows {
        let public: bool = r.get(5);
        let bbox: Option<Vec<Option<f64>>> = r.get(9);
        let bbox = bbox.and_then(|b| b.into_iter().collect::<Option<Vec<f64>>>());
        inputs.insert(format!("layer:{}", r.get::<_, String>(0)), input(r.get(4), public, r.get(3), bbox));
        if public {
            layers.extend(layer_end(r));
        }
    }
    let mut facets = Vec::new();
    for r in project_rows {
        let slug: String = r.get(0);
        let public: bool = r.get(2);
        if public {
            let kind = r.get::<_, Option<String>>(5).and_then(|k| k.parse::<LayerKind>().ok());
            let sectors = r.get::<_, Vec<String>>(6).iter().filter_map(|s| s.parse::<Sector>().ok()).collect();
            facets.push(ProjectFacet { slug: slug.clone(), kinds: nexus_core::Selector::project_kinds(kind), sectors });
        }
        inputs.insert(format!("project:{slug}"), input(r.get(1), public, r.get(3), r.get(4)));
    }
    Ok((layers, facets, inputs))
}

async fn record_inputs(tx: &Transaction<'_>, digest: &str, current: &Inputs) -> StoreResult<()> {
    let sources: Vec<&str> = current.keys().map(String::as_str).collect();
    let revisions: Vec<i64> = current.values().map(|v| v.revision).collect();
    let public: Vec<bool> = current.values().map(|v| v.public).collect();
    let cities: Vec<Option<&str>> = current.values().map(|v| v.city.as_deref()).collect();
    let bboxes: Vec<String> = current
        .values()
        .map(|v| v.bbox.map_or_else(String::new, |b| format!("{},{},{},{}", b[0], b[1], b[2], b[3])))
        .collect();
    tx.execute("DELETE FROM nexus_inputs", &[]).await.map_err(StoreError::query("nexus_record"))?;
    tx.execute(
        "INSERT INTO nexus_inputs (source, revision, public, city, bbox, digest)
         SELECT s, r, p, c, CASE WHEN b = '' THEN NULL ELSE string_to_array(b, ',')::float8[] END, NULL
         FROM unnest($1::text[], $2::int8[], $3::bool[], $4::text[], $5::text[]) AS x(s, r, p, c, b)
         UNION ALL SELECT 'rules', 0, true, NULL, NULL, $6",
        &[&sources, &revisions, &public, &cities, &bboxes, &digest],
    )
    .await
    .map_err(StoreError::query("nexus_record"))?;
    Ok(())
}

/// The stored rules and grid settings, through a connection or a transaction.
pub(crate) async fn read_rule_set(c: &impl deadpool_postgres::GenericClient) -> StoreResult<RuleSet> {
    let rules = c
        .query("SELECT body FROM nexus_rules ORDER BY position", &[])
        .await
        .map_err(StoreError::query("rules"))?
        .iter()
        .map(|r| serde_json::from_value::<Rule>(r.get(0)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError::Query { what: "rules_read", reason: e.to_string() })?;
    let grid = c
        .query_opt("SELECT value FROM nexus_settings WHERE key = 'grid'", &[])
        .await
        .map_err(StoreError::query("rules_grid_read"))?
        .map(|r| serde_json::from_value(r.get(0)))
        .transpose()
        .map_err(|e| StoreError::Query { what: "rules_grid_read", reason: e.to_string() })?
        .unwrap_or_default();
    let set = RuleSet { grid, rules };
    // The table is data anyone with database access may edit: what reaches SQL is checked
    // as strictly as what comes through the API.
    set.validate().map_err(|e| StoreError::Invalid(format!("the stored Nexus rules are not valid: {e}")))?;
    Ok(set)
}

/// Whether the pair of layers (`from`, `to`) is the mirror of one already taken: when each
/// layer can stand at either end of `rule`, the two directions find the same matches, and
/// only the one with the smaller id first is kept (a layer with itself pairs each two
/// features once, by `a.id < b.id` in the match SQL).
fn mirrored(rule: &Rule, from: &End, to: &End, layers: &[LayerEnd]) -> bool {
    match (from, to) {
        (End::Layer { id: a, .. }, End::Layer { id: b, .. }) => {
            a > b && picks(rule, to, layers, None, true) && picks(rule, from, layers, None, false)
        }
        _ => false,
    }
}
