//! Keeping the overlays current: a refresh plans with `nexus_core::nexus_plan` what changed
//! and which rule pairs to match, then either rebuilds everything (rules changed) from helper
//! connections sharing one snapshot, or updates the links and grid cells of what changed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use nexus_core::nexus_plan::{self, Box3857};
use nexus_core::{DraftScope, Rule};
use serde::Serialize;
use tokio_postgres::Transaction;

use super::ends::End;
use super::ends::Part;
use super::fill::{cost, count_of, HELPERS};
use super::inputs::{
    edited_features, grid_layers, plan_end, reaches_grid, read_inputs, record_inputs, state, EditedFeatures, Inputs,
};
use super::overlay::{HEX, LINKS};
use super::{hex, matches, overlay};
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

/// What an incremental update tells the overlays' revision bump: the last link id before it
/// (the tiles of newer ones change) and how many cells the grid gained (or lost).
#[derive(Default)]
struct Delta {
    since: i64,
    hex: i64,
}

impl NexusRefresh {
    /// Whether the overlays changed.
    pub fn changed(&self) -> bool {
        self.full || self.links_removed > 0 || self.links_added > 0 || self.cells > 0
    }
}

impl Store {
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
        if !self.ensure_overlays().await? {
            return Ok(NexusRefresh::default());
        }
        let mut client = self.job_client().await?;
        let tx = client.transaction().await.map_err(StoreError::query("nexus_begin"))?;
        // The features table is locked before any of its partitions, in the order an ingest's
        // partition swap takes them, so the two wait for each other rather than deadlock.
        tx.batch_execute(&format!(
            "{job}; SELECT pg_advisory_xact_lock(hashtext('nexus-overlays'));
             LOCK TABLE features IN ACCESS SHARE MODE",
            job = crate::budget::JOB
        ))
        .await
        .map_err(StoreError::query("nexus_lock"))?;
        // Where the time goes, for `NEXUS_LOG=nexus_store=debug`.
        let phase = |what: &str| {
            tracing::debug!(nexus.phase = what, elapsed_ms = started.elapsed().as_millis(), "nexus refresh");
        };
        phase("locked");
        let inputs = read_inputs(&tx).await?;
        let (recorded_digest, recorded) = recorded_inputs(&tx).await?;
        phase("inputs read");
        let full = force || recorded_digest.as_deref() != Some(inputs.digest.as_str());
        let changed = nexus_plan::changed_sources(&recorded, &inputs.current, full);
        let edited =
            if full { BTreeMap::new() } else { edited_features(&tx, &changed, &recorded, &inputs.current).await? };
        let plan = Plan::new(&inputs, &changed, &edited, full);
        let mut out = NexusRefresh { full, sources: changed.len(), ..NexusRefresh::default() };
        let mut delta = Delta::default();
        if full {
            self.rebuild(&tx, &inputs, &plan, &mut out).await?;
        } else if !changed.is_empty() {
            let whole: BTreeSet<String> = changed
                .iter()
                .filter(|s| !s.strip_prefix("layer:").is_some_and(|id| edited.contains_key(id)))
                .cloned()
                .collect();
            let mut dirty = nexus_plan::dirty_areas(&whole, &recorded, &inputs.current);
            for (id, e) in &edited {
                let city = inputs.current.get(&format!("layer:{id}")).and_then(|s| s.city.as_ref());
                for place in &e.places {
                    nexus_plan::mark(&mut dirty, city, Some(*place));
                }
            }
            delta = update(&tx, &inputs, &plan, (&whole, &edited), &mut dirty, &mut out).await?;
        }
        phase("overlays written");
        if full || !changed.is_empty() {
            record_inputs(&tx, &inputs.digest, &inputs.current).await?;
        }
        if out.full {
            overlay::touch(&tx, LINKS).await?;
            overlay::touch(&tx, HEX).await?;
        } else if out.changed() {
            let links_delta =
                i64::try_from(out.links_added).unwrap_or(0) - i64::try_from(out.links_removed).unwrap_or(0);
            overlay::touch_since(&tx, LINKS, links_delta, delta.since).await?;
            overlay::touch_since(&tx, HEX, delta.hex, delta.since).await?;
        }
        phase("recorded");
        tx.commit().await.map_err(StoreError::query("nexus_commit"))?;
        phase("committed");
        out.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Ok(out)
    }

    /// Makes sure the overlay layers and their partitions exist, in a transaction of their
    /// own (creating a partition locks the whole features table, which the helper connections
    /// of a rebuild must read). A database that does not use the Nexus (no rules, no overlays
    /// yet) gets none: then `false`.
    async fn ensure_overlays(&self) -> StoreResult<bool> {
        let mut client = self.job_client().await?;
        let used: bool = client
            .query_one(
                &format!(
                    "SELECT EXISTS (SELECT 1 FROM nexus_rules) OR EXISTS (SELECT 1 FROM layers WHERE id = '{LINKS}')"
                ),
                &[],
            )
            .await
            .map_err(StoreError::query("nexus_exists"))?
            .get(0);
        if used && !overlay::ready(&client).await? {
            let tx = client.transaction().await.map_err(StoreError::query("nexus_begin"))?;
            tx.batch_execute(&format!(
                "{}; SELECT pg_advisory_xact_lock(hashtext('nexus-overlays'))",
                crate::budget::JOB
            ))
            .await
            .map_err(StoreError::query("nexus_lock"))?;
            overlay::ensure(&tx).await?;
            tx.commit().await.map_err(StoreError::query("nexus_commit"))?;
        }
        Ok(used)
    }

    /// Everything from scratch: helper connections fill fresh tables (links as of this
    /// refresh's snapshot, then the grid from them), whose indexes are then built once and
    /// which are swapped in for the old partitions in `tx`.
    async fn rebuild(
        &self,
        tx: &Transaction<'_>,
        inputs: &Inputs,
        plan: &Plan<'_>,
        out: &mut NexusRefresh,
    ) -> StoreResult<()> {
        out.links_removed = u64::try_from(count_of(tx, LINKS).await?).unwrap_or(0);
        let selects: Vec<(u64, String)> = plan
            .pairs
            .iter()
            .map(|(rule, from, to)| (cost(from, to, &inputs.layers), link_select(rule, from, to)))
            .collect();
        // The helpers share one snapshot, so the links they write are of one moment.
        let snapshot: String =
            tx.query_one("SELECT pg_export_snapshot()", &[]).await.map_err(StoreError::query("nexus_snapshot"))?.get(0);
        out.links_added = self.fill(LINKS, Some(&snapshot), nexus_plan::share(selects, HELPERS)).await?;
        let mut cities: BTreeMap<&String, Vec<Box3857>> = BTreeMap::new();
        for (_, i) in inputs.current.iter().filter(|(id, i)| i.public && reaches_grid(inputs, id)) {
            if let (Some(c), Some(b)) = (&i.city, i.bbox) {
                cities.entry(c).or_default().push(b);
            }
        }
        let mut groups: Vec<Vec<String>> = vec![Vec::new(); HELPERS];
        for (city, boxes) in &cities {
            let Some(area) = nexus_plan::union(boxes) else { continue };
            for (k, group) in groups.iter_mut().enumerate() {
                let layers = grid_layers(&inputs.layers, city);
                let next = format!("f_{LINKS}__next");
                let cells =
                    hex::cells_sql(city, inputs.rules.grid.hex_size_m, &layers, area, Some((HELPERS, k)), &next);
                group.push(format!("SELECT * FROM ({cells}) c"));
            }
        }
        // The grid counts the new links (committed in their scratch table, which the snapshot
        // cannot see: the grid reads the committed present), found by their spatial index,
        // built now rather than at the swap.
        self.job_client()
            .await?
            .batch_execute(&crate::budget::as_job(&overlay::scratch_index_sql(LINKS)))
            .await
            .map_err(StoreError::query("nexus_links_index"))?;
        out.cells = self.fill(HEX, None, groups).await?;
        overlay::swap(tx, LINKS, overlay::LINK_INDEXES).await?;
        overlay::swap(tx, HEX, overlay::HEX_INDEXES).await?;
        Ok(())
    }
}

/// The rule pairs of ends a refresh matches.
struct Plan<'a> {
    pairs: Vec<(&'a Rule, End, End)>,
}

impl<'a> Plan<'a> {
    /// The ends each rule joins: every public layer (its edited features apart from the
    /// others), and the public projects (those that changed apart), so only pairs that
    /// involve a change are recomputed; then the pairs `nexus_plan::rule_pairs` picks.
    fn new(
        inputs: &'a Inputs,
        changed: &BTreeSet<String>,
        edited: &BTreeMap<String, EditedFeatures>,
        full: bool,
    ) -> Plan<'a> {
        let changed_projects: Vec<String> =
            changed.iter().filter_map(|s| s.strip_prefix("project:")).map(str::to_owned).collect();
        let mut ends: Vec<(End, bool)> = Vec::new();
        for l in &inputs.layers {
            let Some(e) = edited.get(&l.id) else {
                ends.push((l.end(), changed.contains(&format!("layer:{}", l.id))));
                continue;
            };
            for (part, changed) in [(Part::Only(e.fids.clone()), true), (Part::Except(e.fids.clone()), false)] {
                let mut end = l.end();
                if let End::Layer { part: p, .. } = &mut end {
                    *p = part;
                }
                ends.push((end, changed));
            }
        }
        if full {
            ends.push((End::Projects { only: None, except: vec![], drafts: DraftScope::None }, true));
        } else {
            if !changed_projects.is_empty() {
                ends.push((
                    End::Projects { only: Some(changed_projects.clone()), except: vec![], drafts: DraftScope::None },
                    true,
                ));
            }
            ends.push((End::Projects { only: None, except: changed_projects, drafts: DraftScope::None }, false));
        }
        let planned: Vec<_> = ends.iter().map(|(e, c)| (plan_end(e, Some(&inputs.facets)), *c)).collect();
        let pairs = nexus_plan::rule_pairs(&inputs.rules.rules, &planned)
            .into_iter()
            .map(|(r, f, t)| (&inputs.rules.rules[r], ends[f].0.clone(), ends[t].0.clone()))
            .collect();
        Plan { pairs }
    }
}

/// The rows of the links one pair makes, as the overlay stores them.
fn link_select(rule: &Rule, from: &End, to: &End) -> String {
    format!(
        "SELECT m.link_geom AS geom, {props} AS properties FROM ({matches}) m",
        props = matches::stored_link_properties(rule),
        matches = matches::match_sql(rule, from, to)
    )
}

/// An incremental update: the links of the changed sources (of a layer changed by feature
/// edits, of its edited features) are deleted and matched again (all pairs in one statement:
/// one round trip, one plan), then the intensity cells around what moved are recounted — old
/// and new places, links gone and come; places far apart apart, so a project moved across
/// town recounts two small areas, not the town between.
async fn update(
    tx: &Transaction<'_>,
    inputs: &Inputs,
    plan: &Plan<'_>,
    (changed, edited): (&BTreeSet<String>, &BTreeMap<String, EditedFeatures>),
    dirty: &mut BTreeMap<String, Vec<Box3857>>,
    out: &mut NexusRefresh,
) -> StoreResult<Delta> {
    let since = tx
        .query_one("SELECT last_value FROM nexus_link_fid", &[])
        .await
        .map_err(StoreError::query("nexus_since"))?
        .get(0);
    let mut delta = Delta { since, hex: 0 };
    let refs: Vec<&str> = changed.iter().map(String::as_str).collect();
    let features: Vec<String> =
        edited.iter().flat_map(|(id, e)| e.fids.iter().map(move |f| format!("layer:{id}#{f}"))).collect();
    let sql = format!(
        "WITH gone AS (DELETE FROM \"f_{LINKS}\"
                       WHERE properties->>'from_ref' = ANY($1) OR properties->>'to_ref' = ANY($1)
                          OR (properties->>'from_ref') || '#' || (properties->>'from_id') = ANY($2)
                          OR (properties->>'to_ref') || '#' || (properties->>'to_id') = ANY($2)
                       RETURNING properties->>'city' AS city, geom_3857)
         {boxes}",
        boxes = boxes_by_city("gone")
    );
    for row in tx.query(&sql, &[&refs, &features]).await.map_err(StoreError::query("nexus_forget"))? {
        out.links_removed += u64::try_from(row.get::<_, i64>(1)).unwrap_or(0);
        nexus_plan::mark(dirty, row.get::<_, Option<String>>(0).as_ref(), box_of(&row, 2));
    }
    if !plan.pairs.is_empty() {
        let union: Vec<String> = plan.pairs.iter().map(|(rule, from, to)| link_select(rule, from, to)).collect();
        let sql = format!(
            "WITH added AS (
                 INSERT INTO \"f_{LINKS}\" (layer_id, fid, geom, properties)
                 SELECT '{LINKS}', nextval('nexus_link_fid'), r.geom, r.properties FROM ({union}) r
                 RETURNING properties->>'city' AS city, geom_3857)
             {boxes}",
            union = union.join(" UNION ALL "),
            boxes = boxes_by_city("added"),
        );
        for row in tx.query(&sql, &[]).await.map_err(StoreError::query("nexus_links"))? {
            out.links_added += u64::try_from(row.get::<_, i64>(1)).unwrap_or(0);
            nexus_plan::mark(dirty, row.get::<_, Option<String>>(0).as_ref(), box_of(&row, 2));
        }
    }
    for (city, boxes) in dirty.iter() {
        let layers = grid_layers(&inputs.layers, city);
        for area in nexus_plan::clusters(boxes, 4.0 * inputs.rules.grid.hex_size_m) {
            let (removed, written) = hex::recompute_area(tx, city, inputs.rules.grid.hex_size_m, &layers, area).await?;
            out.cells += removed + written;
            delta.hex += i64::try_from(written).unwrap_or(0) - i64::try_from(removed).unwrap_or(0);
        }
    }
    Ok(delta)
}

/// The digest and source states the last refresh recorded.
async fn recorded_inputs(
    tx: &Transaction<'_>,
) -> StoreResult<(Option<String>, BTreeMap<String, nexus_plan::SourceState>)> {
    let (digest, rows) = tokio::try_join!(
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
    let recorded =
        rows.iter().map(|r| (r.get::<_, String>(0), state(r.get(1), r.get(2), r.get(3), r.get(4)))).collect();
    Ok((digest.and_then(|r| r.get(0)), recorded))
}

/// Per city, how many rows and their extent, from a CTE returning `city` and `geom_3857`.
fn boxes_by_city(cte: &str) -> String {
    format!(
        "SELECT city, n, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
         FROM (SELECT city, count(*) AS n, ST_Extent(geom_3857) AS e FROM {cte} GROUP BY city) x"
    )
}

fn box_of(row: &tokio_postgres::Row, at: usize) -> Option<Box3857> {
    Some([row.get::<_, Option<f64>>(at)?, row.get(at + 1), row.get(at + 2), row.get(at + 3)])
}
