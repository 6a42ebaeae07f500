//! What a refresh reads before it plans: the public layers and projects as the rules see
//! them, every source's state now, the rules' digest; and the states it records afterwards.

use std::collections::BTreeMap;

use nexus_core::nexus_plan::{PlanEnd, SourceState};
use nexus_core::{LayerKind, RuleSet, Sector};
use tokio_postgres::Transaction;

use super::ends::{End, Part};
use super::overlay::{HEX, LINKS};
use super::rules::read_rule_set;
use crate::error::{StoreError, StoreResult};

/// Every source's state (`layer:ID`, `project:SLUG`).
pub(crate) type Sources = BTreeMap<String, SourceState>;

/// What a refresh plans from.
pub(crate) struct Inputs {
    /// The rules and grid settings.
    pub rules: RuleSet,
    /// Their digest (with the cities'): a change rebuilds everything.
    pub digest: String,
    /// The public layers with features.
    pub layers: Vec<LayerEnd>,
    /// The public, placed projects.
    pub facets: Vec<ProjectFacet>,
    /// Every source's state now.
    pub current: Sources,
}

/// A public layer as the rules see it.
#[derive(Debug, Clone)]
pub(crate) struct LayerEnd {
    pub id: String,
    pub kind: LayerKind,
    pub sectors: Vec<Sector>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub title: String,
    pub features: u64,
}

impl LayerEnd {
    pub fn end(&self) -> End {
        End::Layer {
            id: self.id.clone(),
            city: self.city.clone(),
            country: self.country.clone(),
            kind: self.kind,
            sectors: self.sectors.clone(),
            title: self.title.clone(),
            part: Part::All,
        }
    }
}

/// What the rules see of a public, placed project.
#[derive(Debug, Clone)]
pub(crate) struct ProjectFacet {
    pub slug: String,
    pub kinds: Vec<LayerKind>,
    pub sectors: Vec<Sector>,
}

/// An end as the planner sees it: a layer by its kind, sectors and city; projects by the
/// kinds and sectors of those that may be in it (`facets` known), or as anything.
pub(crate) fn plan_end(end: &End, facets: Option<&[ProjectFacet]>) -> PlanEnd {
    match end {
        End::Layer { id, kind, sectors, city, .. } => {
            PlanEnd::Layer { id: id.clone(), kind: *kind, sectors: sectors.clone(), city: city.clone() }
        }
        End::Projects { only, except, .. } => PlanEnd::Projects(facets.map(|facets| {
            facets
                .iter()
                .filter(|p| only.as_ref().is_none_or(|o| o.contains(&p.slug)) && !except.contains(&p.slug))
                .map(|p| (p.kinds.clone(), p.sectors.clone()))
                .collect()
        })),
        End::Draft { .. } => PlanEnd::Projects(None),
    }
}

pub(crate) fn layer_end(r: &tokio_postgres::Row) -> Option<LayerEnd> {
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

/// The layers of `city` that count in its intensity grid: its public layers, boundaries aside
/// (a district boundary covers the whole city and says nothing about what meets where).
pub(crate) fn grid_layers(layers: &[LayerEnd], city: &str) -> Vec<String> {
    layers
        .iter()
        .filter(|l| l.city.as_deref() == Some(city) && l.kind != LayerKind::Boundary)
        .map(|l| l.id.clone())
        .collect()
}

/// Whether source `id` (`layer:…`, `project:…`) can put anything in a city's grid: a count, or
/// an end of a link. A boundary counts in no cell and ends a link only when a rule selects it;
/// otherwise its box (a whole province, say) would only make the grid to recount larger.
pub(crate) fn reaches_grid(inputs: &Inputs, id: &str) -> bool {
    let Some(layer) = id.strip_prefix("layer:") else { return true };
    inputs.layers.iter().find(|l| l.id == layer).is_none_or(|l| {
        l.kind != LayerKind::Boundary
            || inputs
                .rules
                .rules
                .iter()
                .any(|r| r.from.matches(&[l.kind], &l.sectors) || r.to.matches(&[l.kind], &l.sectors))
    })
}

/// A source's state from its stored columns (a box that is not four numbers is no box), with
/// no feature edits since `base`.
pub(super) fn state(revision: i64, public: bool, city: Option<String>, bbox: Option<Vec<f64>>) -> SourceState {
    SourceState { revision, public, city, bbox: bbox.and_then(|b| <[f64; 4]>::try_from(b).ok()), base: revision }
}

/// Rules, their digest, the public layers and every source's state, read in the refresh's
/// own transaction (an edit's refresh then needs one connection only: a second one costs a
/// connection's start-up when the pool is cold).
pub(crate) async fn read_inputs(tx: &deadpool_postgres::Transaction<'_>) -> StoreResult<Inputs> {
    {
        // The reads go out together (pipelined on the one connection): an edit's refresh is
        // mostly round trips.
        let digest = async {
            tx.query_one(
                // The cities count as rules: a city's country picks national overrides and its
                // latitude sizes the grid, so a change to them recomputes everything.
                // The overlay's own format counts too: links made before a property was
                // added are made again.
                "SELECT md5('links-format-3|'
                            || coalesce((SELECT string_agg(body::text, '|' ORDER BY position) FROM nexus_rules), '')
                            || coalesce((SELECT value::text FROM nexus_settings WHERE key = 'grid'), '')
                            || coalesce((SELECT string_agg(slug || ' ' || country || ' ' || ST_AsText(centre), '|' ORDER BY slug)
                                         FROM cities), ''))",
                &[],
            )
            .await
            .map_err(StoreError::query("nexus_digest"))
            .map(|r| r.get::<_, String>(0))
        };
        let (rules, digest, (layers, facets, current)) =
            tokio::try_join!(read_rule_set(tx), digest, current_inputs(tx))?;
        Ok(Inputs { rules, digest, layers, facets, current })
    }
}

/// The public layers with features (the rules' inputs) and every source's state now.
async fn current_inputs(tx: &Transaction<'_>) -> StoreResult<(Vec<LayerEnd>, Vec<ProjectFacet>, Sources)> {
    let layer_sql = format!(
                "SELECT id, kind, sectors, city, revision, visibility = 'public' AND feature_count > 0 AND NOT basemap,
                        feature_count, title, (SELECT country FROM cities WHERE slug = layers.city) AS country,
                        ARRAY[ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)], edit_base
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
    let mut inputs = Sources::new();
    let mut layers = Vec::new();
    for r in &rows {
        let public: bool = r.get(5);
        let bbox: Option<Vec<Option<f64>>> = r.get(9);
        let bbox = bbox.and_then(|b| b.into_iter().collect::<Option<Vec<f64>>>());
        let base = r.get::<_, i64>(10);
        inputs.insert(
            format!("layer:{}", r.get::<_, String>(0)),
            SourceState { base, ..state(r.get(4), public, r.get(3), bbox) },
        );
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
        inputs.insert(format!("project:{slug}"), state(r.get(1), public, r.get(3), r.get(4)));
    }
    Ok((layers, facets, inputs))
}

pub(crate) async fn record_inputs(tx: &Transaction<'_>, digest: &str, current: &Sources) -> StoreResult<()> {
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

/// The features edited in a layer since the last refresh, and where they were and are.
#[derive(Debug, Default)]
pub(crate) struct EditedFeatures {
    pub fids: Vec<i64>,
    pub places: Vec<nexus_core::nexus_plan::Box3857>,
}

/// Of the `changed` sources, the layers that changed by feature edits alone since `recorded`
/// (by layer id): their links are redone for the edited features only.
pub(crate) async fn edited_features(
    tx: &Transaction<'_>,
    changed: &std::collections::BTreeSet<String>,
    recorded: &Sources,
    current: &Sources,
) -> StoreResult<BTreeMap<String, EditedFeatures>> {
    let mut out = BTreeMap::new();
    for source in changed {
        let (Some(id), Some(then), Some(now)) =
            (source.strip_prefix("layer:"), recorded.get(source), current.get(source))
        else {
            continue;
        };
        if !now.edited_since(then) {
            continue;
        }
        let rows = tx
            .query(
                "SELECT fid, box_before, box_after FROM feature_edits
                 WHERE layer_id = $1 AND revision > $2 AND revision <= $3",
                &[&id, &then.revision, &now.revision],
            )
            .await
            .map_err(StoreError::query("nexus_edited"))?;
        let mut edited = EditedFeatures::default();
        for r in &rows {
            edited.fids.push(r.get(0));
            for b in [r.get::<_, Option<Vec<f64>>>(1), r.get(2)].into_iter().flatten() {
                edited.places.extend(<[f64; 4]>::try_from(b).ok());
            }
        }
        edited.fids.sort_unstable();
        edited.fids.dedup();
        out.insert(id.to_owned(), edited);
    }
    Ok(out)
}
