//! Links computed now rather than read from the overlay: the what-if evaluation of a sketch
//! (which stores nothing) and a draft project's profile. Each answer also says what it
//! checked, so "nothing found" is never an unexplained all-clear.

use std::collections::BTreeSet;

use nexus_core::nexus_plan::picks;
use nexus_core::{DraftScope, LayerKind, RuleSet, Sector};
use serde::Serialize;

use super::ends::End;
use super::inputs::{layer_end, plan_end, LayerEnd};
use super::matches;
use super::overlay::{HEX, LINKS};
use super::rules::read_rule_set;
use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

/// The most points a what-if sketch may have.
const MAX_SKETCH_POINTS: i32 = 5_000;

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

/// What a live computation looked at.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct Checked {
    /// Ids of the rules one of whose ends fits the subject, in the rule set's order.
    pub rules: Vec<String>,
    /// Rules in the set.
    pub rules_total: usize,
    /// Ids of the layers those rules were run against (their other end fits the layer).
    pub layers: Vec<String>,
    /// Whether the other projects were looked at too.
    pub projects: bool,
    /// The farthest any of those rules reaches in the subject's country, in metres.
    pub within_m: f64,
    /// How far those rules reach, nearest first: each distance with the rules that reach it.
    pub reach: Vec<Reach>,
}

/// The rules that look as far as `distance_m` around the subject.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct Reach {
    /// Metres on the ground (0: the two must touch).
    pub distance_m: f64,
    /// Titles of the rules.
    pub rules: Vec<String>,
}

/// Links computed now, and what was checked to find them.
#[derive(Debug, Clone, Default)]
pub struct LiveLinks {
    /// The links, nearest first within each rule.
    pub links: Vec<EvaluatedLink>,
    /// What was looked at.
    pub checked: Checked,
    /// For a sketch: the ring of each distance in `checked.reach` (beyond 0) drawn around it,
    /// as GeoJSON Features with `distance_m` and `rules`.
    pub rings: Vec<serde_json::Value>,
}

impl Store {
    /// The links a sketched geometry would make with what is stored (public data, and drafts
    /// those `drafts` sees), each as a GeoJSON Feature, and what was checked; nothing is
    /// written.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when the geometry is not valid GeoJSON; otherwise when a query
    /// fails.
    pub async fn evaluate(&self, draft: &Draft, drafts: &DraftScope) -> StoreResult<LiveLinks> {
        let client = self.read_client().await?;
        let rules = read_rule_set(&*client).await?;
        let check = client
            .query_one(
                "SELECT ST_IsValid(g), ST_IsValidReason(g), ST_NPoints(g) FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1::text), 4326) g) x",
                &[&draft.geometry],
            )
            .await
            .map_err(|e| StoreError::Invalid(format!("the geometry is not usable GeoJSON: {}", crate::error::describe(&e))))?;
        // A sketch is drawn by hand: a country's outline pasted in would tie up the server.
        if check.get::<_, i32>(2) > MAX_SKETCH_POINTS {
            return Err(StoreError::Invalid(format!(
                "the geometry has {} points; a sketch may have at most {MAX_SKETCH_POINTS}",
                check.get::<_, i32>(2)
            )));
        }
        if !check.get::<_, bool>(0) {
            return Err(StoreError::Invalid(format!("the geometry is not valid: {}", check.get::<_, String>(1))));
        }
        let kinds = nexus_core::Selector::project_kinds(draft.kind);
        let sketch = End::Draft { kinds: kinds.clone(), sectors: draft.sectors.clone(), city: draft.city.clone() };
        let subject =
            Subject { end: &sketch, kinds: &kinds, sectors: &draft.sectors, city: draft.city.as_deref(), slug: None };
        let mut out = live_links(&client, &rules, &subject, drafts, &[&draft.geometry]).await?;
        out.rings = rings(&client, &draft.geometry, &out.checked.reach).await?;
        Ok(out)
    }
}

/// Around `geometry`, the ring each distance of `reach` draws on the ground (geodesic).
async fn rings(
    client: &tokio_postgres::Client,
    geometry: &str,
    reach: &[Reach],
) -> StoreResult<Vec<serde_json::Value>> {
    let far: Vec<&Reach> = reach.iter().filter(|r| r.distance_m > 0.0).collect();
    let distances: Vec<f64> = far.iter().map(|r| r.distance_m).collect();
    let rows = client
        .query(
            "SELECT ST_AsGeoJSON(ST_Buffer(ST_SetSRID(ST_GeomFromGeoJSON($1::text), 4326)::geography, d, 'quad_segs=16')::geometry, 6)::json
             FROM unnest($2::float8[]) WITH ORDINALITY AS x(d, i) ORDER BY i",
            &[&geometry, &distances],
        )
        .await
        .map_err(StoreError::query("nexus_rings"))?;
    Ok(rows
        .iter()
        .zip(far)
        .map(|(row, r)| {
            serde_json::json!({
                "type": "Feature",
                "geometry": row.get::<_, serde_json::Value>(0),
                "properties": { "distance_m": r.distance_m, "rules": r.rules },
            })
        })
        .collect())
}

/// What live links are computed for: a sketch, or one stored project.
pub(crate) struct Subject<'a> {
    pub end: &'a End,
    pub kinds: &'a [LayerKind],
    pub sectors: &'a [Sector],
    pub city: Option<&'a str>,
    /// The project itself, kept out of the other end.
    pub slug: Option<&'a str>,
}

/// The layers a live computation may meet: public ones, and the drafts `drafts` sees.
async fn visible_layers(client: &tokio_postgres::Client, drafts: &DraftScope) -> StoreResult<Vec<LayerEnd>> {
    Ok(client
        .query(
            &format!(
                "SELECT id, kind, sectors, city, title, feature_count,
                        (SELECT country FROM cities WHERE slug = layers.city) AS country
                 FROM layers
                 WHERE id NOT IN ('{LINKS}', '{HEX}') AND feature_count > 0 AND NOT basemap AND nexus_may_see(visibility, city, $1)
                 ORDER BY id"
            ),
            &[&drafts.to_sql()],
        )
        .await
        .map_err(StoreError::query("nexus_layers"))?
        .iter()
        .filter_map(layer_end)
        .collect())
}

/// Every rule match between `subject` and everything else it may see, computed now.
pub(crate) async fn live_links(
    client: &tokio_postgres::Client,
    rules: &RuleSet,
    subject: &Subject<'_>,
    drafts: &DraftScope,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> StoreResult<LiveLinks> {
    let layers = visible_layers(client, drafts).await?;
    let mut others: Vec<End> = layers
        .iter()
        .filter(|l| subject.city.is_none() || l.city.is_none() || l.city.as_deref() == subject.city)
        .map(LayerEnd::end)
        .collect();
    let except = subject.slug.map(|s| vec![s.to_owned()]).unwrap_or_default();
    others.push(End::Projects { only: None, except, drafts: drafts.clone() });
    // A city's layers carry its country; national distances follow it.
    let country = subject
        .city
        .and_then(|c| layers.iter().find(|l| l.city.as_deref() == Some(c)))
        .and_then(|l| l.country.as_deref());
    let mut out = LiveLinks::default();
    out.checked.rules_total = rules.rules.len();
    let mut met: BTreeSet<String> = BTreeSet::new();
    // Each other end as the planner sees it, once, not once per rule.
    let planned: Vec<_> = others.iter().map(|o| plan_end(o, None)).collect();
    for rule in &rules.rules {
        let mut pairs: Vec<(&End, &End)> = Vec::new();
        let (as_from, as_to) =
            (rule.from.matches(subject.kinds, subject.sectors), rule.to.matches(subject.kinds, subject.sectors));
        if as_from {
            pairs
                .extend(others.iter().zip(&planned).filter(|(_, p)| picks(&rule.to, p)).map(|(o, _)| (subject.end, o)));
        }
        if as_to {
            pairs.extend(
                others.iter().zip(&planned).filter(|(_, p)| picks(&rule.from, p)).map(|(o, _)| (o, subject.end)),
            );
        }
        if as_from || as_to {
            let d = rule.distance_in(country);
            out.checked.rules.push(rule.id.clone());
            out.checked.within_m = out.checked.within_m.max(d);
            match out.checked.reach.iter_mut().find(|r| r.distance_m == d) {
                Some(r) => r.rules.push(rule.title.clone()),
                None => out.checked.reach.push(Reach { distance_m: d, rules: vec![rule.title.clone()] }),
            }
        }
        for (from, to) in pairs {
            for end in [from, to] {
                match end {
                    End::Layer { id, .. } => {
                        met.insert(id.clone());
                    }
                    End::Projects { .. } => out.checked.projects = true,
                    End::Draft { .. } => {}
                }
            }
            let sql = format!(
                "SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(m.link_geom, 6)::json,
                                          'properties', {props})
                 FROM ({matches}) m ORDER BY m.distance",
                props = matches::link_properties(rule),
                matches = matches::match_sql(rule, from, to),
            );
            for row in client.query(&sql, params).await.map_err(StoreError::query("nexus_evaluate"))? {
                out.links.push(EvaluatedLink { feature: row.get(0) });
            }
        }
    }
    out.checked.layers = met.into_iter().collect();
    out.checked.reach.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
    Ok(out)
}
