//! The Nexus in the database: the rules (as data), the overlays computed from them (links now,
//! the intensity grid beside them) and kept current incrementally, and the what-if evaluation
//! of a sketch that stores nothing.

mod ends;
mod matches;
mod overlay;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use nexus_core::{LayerKind, Rule, RuleSet, Sector};
use serde::Serialize;
use tokio_postgres::Transaction;

pub use overlay::{HEX, LINKS};

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
    /// Wall time, in milliseconds.
    pub elapsed_ms: u64,
}

impl NexusRefresh {
    /// Whether the overlays changed.
    pub fn changed(&self) -> bool {
        self.full || self.links_removed > 0 || self.links_added > 0
    }
}

/// A geometry sketched by a planner, to evaluate without storing it.
#[derive(Debug, Clone)]
pub struct Draft {
    /// GeoJSON geometry (EPSG:4326).
    pub geometry: String,
    /// What it would be (a waste site, a biogas plant …), if known.
    pub kind: Option<LayerKind>,
    /// Its sectors.
    pub sectors: Vec<Sector>,
    /// Its city, for national distances and to keep to that city's data.
    pub city: Option<String>,
}

/// One link the sketch would make.
#[derive(Debug, Clone, Serialize)]
pub struct EvaluatedLink {
    /// The link as a GeoJSON Feature (properties as for `nexus-links`; the sketch is `draft`).
    pub feature: serde_json::Value,
}

/// A source of overlay inputs and its state: `layer:ID` or `project:SLUG` → (revision, public).
type Inputs = BTreeMap<String, (i64, bool)>;

/// A public layer as the rules see it.
#[derive(Debug, Clone)]
struct LayerEnd {
    id: String,
    kind: LayerKind,
    sectors: Vec<Sector>,
    city: Option<String>,
}

fn q(what: &'static str) -> impl FnOnce(tokio_postgres::Error) -> StoreError {
    StoreError::query(what)
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
        let tx = client.transaction().await.map_err(q("rules_begin"))?;
        tx.batch_execute("DELETE FROM nexus_rules").await.map_err(q("rules_clear"))?;
        for (i, rule) in set.rules.iter().enumerate() {
            let body = serde_json::to_value(rule).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let position = i32::try_from(i).map_err(|e| StoreError::Invalid(e.to_string()))?;
            tx.execute(
                "INSERT INTO nexus_rules (position, id, body) VALUES ($1, $2, $3)",
                &[&position, &rule.id, &body],
            )
            .await
            .map_err(q("rules_insert"))?;
        }
        let grid = serde_json::to_value(&set.grid).map_err(|e| StoreError::Invalid(e.to_string()))?;
        tx.execute(
            "INSERT INTO nexus_settings (key, value) VALUES ('grid', $1)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&grid],
        )
        .await
        .map_err(q("rules_grid"))?;
        tx.commit().await.map_err(q("rules_commit"))?;
        Ok(true)
    }

    /// The stored rule set (empty until rules are loaded).
    ///
    /// # Errors
    /// When the query fails or a stored rule no longer reads.
    pub async fn rule_set(&self) -> StoreResult<RuleSet> {
        let client = self.client().await?;
        let rows = client.query("SELECT body FROM nexus_rules ORDER BY position", &[]).await.map_err(q("rules"))?;
        let rules = rows
            .iter()
            .map(|r| serde_json::from_value::<Rule>(r.get(0)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::Query { what: "rules_read", reason: e.to_string() })?;
        let grid = client
            .query_opt("SELECT value FROM nexus_settings WHERE key = 'grid'", &[])
            .await
            .map_err(q("rules_grid_read"))?
            .map(|r| serde_json::from_value(r.get(0)))
            .transpose()
            .map_err(|e| StoreError::Query { what: "rules_grid_read", reason: e.to_string() })?
            .unwrap_or_default();
        Ok(RuleSet { grid, rules })
    }

    /// Brings the overlays up to date with the layers, projects and rules: recomputes the
    /// links of every source that changed since the last refresh (all of them when the rules
    /// changed), in one transaction that other refreshes wait for, and gives the overlay layers
    /// a new revision when anything changed.
    ///
    /// # Errors
    /// When a query fails; the overlays then stay as they were.
    pub async fn refresh_nexus(&self) -> StoreResult<NexusRefresh> {
        let started = Instant::now();
        let rules = self.rule_set().await?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(q("nexus_begin"))?;
        tx.batch_execute("SELECT pg_advisory_xact_lock(hashtext('nexus-overlays'))").await.map_err(q("nexus_lock"))?;
        // No rules and no overlays yet: a database that does not use the Nexus gets no
        // overlay layers in its catalog.
        let exists: bool = tx
            .query_one(&format!("SELECT EXISTS (SELECT 1 FROM layers WHERE id = '{LINKS}')"), &[])
            .await
            .map_err(q("nexus_exists"))?
            .get(0);
        if rules.rules.is_empty() && !exists {
            return Ok(NexusRefresh::default());
        }
        overlay::ensure(&tx).await?;
        let digest: String = tx
            .query_one(
                "SELECT md5(coalesce((SELECT string_agg(body::text, '|' ORDER BY position) FROM nexus_rules), '')
                            || coalesce((SELECT value::text FROM nexus_settings WHERE key = 'grid'), ''))",
                &[],
            )
            .await
            .map_err(q("nexus_digest"))?
            .get(0);
        let recorded_digest: Option<String> = tx
            .query_opt("SELECT digest FROM nexus_inputs WHERE source = 'rules'", &[])
            .await
            .map_err(q("nexus_inputs"))?
            .and_then(|r| r.get(0));
        let (layers, current) = current_inputs(&tx).await?;
        let recorded: Inputs = tx
            .query("SELECT source, revision, public FROM nexus_inputs WHERE source <> 'rules'", &[])
            .await
            .map_err(q("nexus_inputs"))?
            .iter()
            .map(|r| (r.get::<_, String>(0), (r.get::<_, i64>(1), r.get::<_, bool>(2))))
            .collect();
        let full = recorded_digest.as_deref() != Some(digest.as_str());
        let changed: BTreeSet<String> = if full {
            current.keys().cloned().collect()
        } else {
            current
                .iter()
                .filter(|(k, v)| recorded.get(*k) != Some(v))
                .map(|(k, _)| k.clone())
                .chain(recorded.keys().filter(|k| !current.contains_key(*k)).cloned())
                .collect()
        };
        let mut out = NexusRefresh { full, sources: changed.len(), ..NexusRefresh::default() };
        if full {
            out.links_removed =
                tx.execute(&format!("DELETE FROM \"f_{LINKS}\""), &[]).await.map_err(q("nexus_clear"))?;
        } else if !changed.is_empty() {
            let refs: Vec<&str> = changed.iter().map(String::as_str).collect();
            out.links_removed = tx
                .execute(
                    &format!(
                        "DELETE FROM \"f_{LINKS}\" WHERE properties->>'from_ref' = ANY($1) OR properties->>'to_ref' = ANY($1)"
                    ),
                    &[&refs],
                )
                .await
                .map_err(q("nexus_forget"))?;
        }
        if full || !changed.is_empty() {
            let changed_projects: Vec<String> =
                changed.iter().filter_map(|s| s.strip_prefix("project:")).map(str::to_owned).collect();
            let mut ends: Vec<(End, bool)> = layers
                .iter()
                .map(|l| {
                    (
                        End::Layer { id: l.id.clone(), city: l.city.clone() },
                        changed.contains(&format!("layer:{}", l.id)),
                    )
                })
                .collect();
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
            for rule in &rules.rules {
                for (from, from_changed) in &ends {
                    if !picks(rule, from, &layers, true) {
                        continue;
                    }
                    for (to, to_changed) in &ends {
                        if !(*from_changed || *to_changed) || !picks(rule, to, &layers, false) || !same_city(from, to) {
                            continue;
                        }
                        let sql = format!(
                            "INSERT INTO \"f_{LINKS}\" (layer_id, fid, geom, properties)
                             SELECT '{LINKS}', nextval('nexus_link_fid'), m.link_geom, {props}
                             FROM ({matches}) m",
                            props = matches::link_properties(rule),
                            matches = matches::match_sql(rule, from, to),
                        );
                        out.links_added += tx.execute(&sql, &[]).await.map_err(q("nexus_links"))?;
                    }
                }
            }
        }
        record_inputs(&tx, &digest, &current).await?;
        if out.changed() {
            overlay::touch(&tx, LINKS).await?;
        }
        tx.commit().await.map_err(q("nexus_commit"))?;
        out.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Ok(out)
    }

    /// The links a sketched geometry would make with what is stored (public data, and drafts
    /// when `include_drafts`), each as a GeoJSON Feature; nothing is written.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when the geometry is not valid GeoJSON; otherwise when a query
    /// fails.
    pub async fn evaluate(&self, draft: &Draft, include_drafts: bool) -> StoreResult<Vec<EvaluatedLink>> {
        let rules = self.rule_set().await?;
        let client = self.client().await?;
        let check = client
            .query_one(
                "SELECT ST_IsValid(g), ST_IsValidReason(g) FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1::text), 4326) g) x",
                &[&draft.geometry],
            )
            .await
            .map_err(|e| StoreError::Invalid(format!("the geometry is not usable GeoJSON: {}", crate::error::describe(&e))))?;
        if !check.get::<_, bool>(0) {
            return Err(StoreError::Invalid(format!("the geometry is not valid: {}", check.get::<_, String>(1))));
        }
        let layers: Vec<LayerEnd> = client
            .query(
                &format!(
                    "SELECT id, kind, sectors, city FROM layers
                     WHERE id NOT IN ('{LINKS}', '{HEX}') AND feature_count > 0 AND ($1 OR visibility = 'public')
                     ORDER BY id"
                ),
                &[&include_drafts],
            )
            .await
            .map_err(q("nexus_layers"))?
            .iter()
            .filter_map(layer_end)
            .collect();
        let kinds = nexus_core::Selector::project_kinds(draft.kind);
        let sketch = End::Draft { kinds: kinds.clone(), sectors: draft.sectors.clone(), city: draft.city.clone() };
        let mut others: Vec<End> = layers
            .iter()
            .filter(|l| draft.city.is_none() || l.city.is_none() || l.city == draft.city)
            .map(|l| End::Layer { id: l.id.clone(), city: l.city.clone() })
            .collect();
        others.push(End::Projects { only: None, except: vec![], drafts: include_drafts });
        let mut out = Vec::new();
        for rule in &rules.rules {
            let mut pairs: Vec<(&End, &End)> = Vec::new();
            if rule.from.matches(&kinds, &draft.sectors) {
                pairs.extend(others.iter().filter(|o| picks(rule, o, &layers, false)).map(|o| (&sketch, o)));
            }
            if rule.to.matches(&kinds, &draft.sectors) {
                pairs.extend(others.iter().filter(|o| picks(rule, o, &layers, true)).map(|o| (o, &sketch)));
            }
            for (from, to) in pairs {
                let sql = format!(
                    "SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(m.link_geom, 6)::json,
                                              'properties', {props})
                     FROM ({matches}) m ORDER BY m.distance",
                    props = matches::link_properties(rule),
                    matches = matches::match_sql(rule, from, to),
                );
                for row in client.query(&sql, &[&draft.geometry]).await.map_err(q("nexus_evaluate"))? {
                    out.push(EvaluatedLink { feature: row.get(0) });
                }
            }
        }
        Ok(out)
    }
}

/// Whether `rule` applies to `end` on its `from` side (or its `to` side): a layer by its kind
/// and sectors; projects are filtered row by row in SQL, so they always take part.
fn picks(rule: &Rule, end: &End, layers: &[LayerEnd], from: bool) -> bool {
    let selector = if from { &rule.from } else { &rule.to };
    match end {
        End::Layer { id, .. } => {
            layers.iter().find(|l| &l.id == id).is_some_and(|l| selector.matches(&[l.kind], &l.sectors))
        }
        End::Projects { .. } | End::Draft { .. } => true,
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
    Some(LayerEnd { id: r.get(0), kind, sectors, city: r.get(3) })
}

/// The public layers with features (the rules' inputs) and every source's state now.
async fn current_inputs(tx: &Transaction<'_>) -> StoreResult<(Vec<LayerEnd>, Inputs)> {
    let rows = tx
        .query(
            &format!(
                "SELECT id, kind, sectors, city, revision, visibility = 'public' AND feature_count > 0 FROM layers
                 WHERE id NOT IN ('{LINKS}', '{HEX}') ORDER BY id"
            ),
            &[],
        )
        .await
        .map_err(q("nexus_layers"))?;
    let mut inputs = Inputs::new();
    let mut layers = Vec::new();
    for r in &rows {
        let public: bool = r.get(5);
        inputs.insert(format!("layer:{}", r.get::<_, String>(0)), (r.get(4), public));
        if public {
            layers.extend(layer_end(r));
        }
    }
    for r in tx
        .query("SELECT slug, revision, visibility = 'public' AND geom IS NOT NULL FROM projects", &[])
        .await
        .map_err(q("nexus_projects"))?
    {
        inputs.insert(format!("project:{}", r.get::<_, String>(0)), (r.get(1), r.get(2)));
    }
    Ok((layers, inputs))
}

async fn record_inputs(tx: &Transaction<'_>, digest: &str, current: &Inputs) -> StoreResult<()> {
    let sources: Vec<&str> = current.keys().map(String::as_str).collect();
    let revisions: Vec<i64> = current.values().map(|v| v.0).collect();
    let public: Vec<bool> = current.values().map(|v| v.1).collect();
    tx.execute("DELETE FROM nexus_inputs", &[]).await.map_err(q("nexus_record"))?;
    tx.execute(
        "INSERT INTO nexus_inputs (source, revision, public) SELECT * FROM unnest($1::text[], $2::int8[], $3::bool[])",
        &[&sources, &revisions, &public],
    )
    .await
    .map_err(q("nexus_record"))?;
    tx.execute("INSERT INTO nexus_inputs (source, revision, public, digest) VALUES ('rules', 0, true, $1)", &[&digest])
        .await
        .map_err(q("nexus_record"))?;
    Ok(())
}
