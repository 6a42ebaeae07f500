//! The two ends of a rule match, as SQL: a layer's features, the public projects (all, some
//! or all but some), or a sketched geometry that is not stored. Every identifier and word put
//! into the text is a validated id or a vocabulary word; free text goes through `sql_literal`.

use nexus_core::{DraftScope, LayerKind, Sector, Selector};

use crate::features::sql_literal;

/// One end of a rule match.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum End {
    /// The features of a public layer, with what the catalog says of it.
    Layer {
        /// Layer id (a validated `LayerId`).
        id: String,
        /// Its city, if it has one.
        city: Option<String>,
        /// The city's country (ISO 3166-1), for national distances.
        country: Option<String>,
        /// Its kind.
        kind: LayerKind,
        /// Its sectors.
        sectors: Vec<Sector>,
        /// Its title (features without a name are called by it and their number).
        title: String,
        /// Which of its features.
        part: Part,
    },
    /// Projects with a geometry (public ones, or drafts too): `only` these slugs when given,
    /// and never `except`.
    Projects { only: Option<Vec<String>>, except: Vec<String>, drafts: DraftScope },
    /// The sketch being evaluated (`$1` is its GeoJSON geometry), with its kinds and sectors.
    Draft { kinds: Vec<LayerKind>, sectors: Vec<Sector>, city: Option<String> },
}

/// Which features of a layer an end holds: after feature edits, the edited ones are matched
/// apart from the others, so that only pairs with an edited feature are matched again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Part {
    /// All of them.
    All,
    /// Only these ids.
    Only(Vec<i64>),
    /// All but these ids.
    Except(Vec<i64>),
}

impl Part {
    fn filter(&self, x: &str) -> String {
        let list = |ids: &[i64]| {
            let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
            format!("{x}.fid = ANY(ARRAY[{}]::bigint[])", ids.join(","))
        };
        match self {
            Part::All => "true".into(),
            Part::Only(ids) => list(ids),
            Part::Except(ids) if ids.is_empty() => "true".into(),
            Part::Except(ids) => format!("NOT ({})", list(ids)),
        }
    }
}

/// The SQL of one end under an alias.
pub(crate) struct EndSql {
    pub from: String,
    pub filter: String,
    pub reference: String,
    pub layer: String,
    pub id: String,
    pub name: String,
    pub kind: String,
    pub sectors: String,
    pub city: String,
    pub country: String,
}

fn words<T: AsRef<str>>(items: &[T]) -> String {
    let quoted: Vec<String> = items.iter().map(|w| format!("'{}'", w.as_ref())).collect();
    format!("ARRAY[{}]::text[]", quoted.join(", "))
}

fn kind_words(kinds: &[LayerKind]) -> String {
    words(&kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>())
}

fn sector_words(sectors: &[Sector]) -> String {
    words(&sectors.iter().map(|s| s.as_str()).collect::<Vec<_>>())
}

impl End {
    /// The end as SQL under alias `x`, restricted to what `selector` picks (projects and
    /// drafts are filtered here; a layer is picked or not as a whole by the caller).
    pub(crate) fn sql(&self, x: &str, selector: &Selector) -> EndSql {
        match self {
            End::Layer { id, city, country, kind, sectors, title, part } => {
                let text = |v: Option<&String>| v.map_or_else(|| "NULL::text".to_owned(), |t| sql_literal(t));
                EndSql {
                    // The layer's own partition, and what the catalog says as constants: a plan
                    // over the partitioned parent joined to the catalog cost more to make than
                    // to run.
                    from: format!("\"f_{id}\" {x}"),
                    filter: part.filter(x),
                    reference: format!("'layer:{id}'"),
                    layer: format!("'{id}'"),
                    id: format!("{x}.fid"),
                    name: format!(
                        "coalesce({x}.properties->>'name', {x}.properties->>'name_en', {x}.properties->>'nama', \
                         {x}.properties->>'title', {x}.properties->>'name_local', {} || ' #' || {x}.fid)",
                        sql_literal(title)
                    ),
                    kind: format!("'{}'::text", kind.as_str()),
                    sectors: sector_words(sectors),
                    city: text(city.as_ref()),
                    country: text(country.as_ref()),
                }
            }
            End::Projects { only, except, drafts } => {
                let mut filter = format!("{x}.geom IS NOT NULL");
                // The scope's cities are validated slugs (from `CitySlug`), safe to quote.
                match drafts {
                    DraftScope::All => {}
                    DraftScope::None => filter.push_str(&format!(" AND {x}.visibility = 'public'")),
                    DraftScope::Cities(c) => {
                        filter.push_str(&format!(" AND nexus_may_see({x}.visibility, {x}.city, {})", words(c)));
                    }
                }
                if !selector.kinds.is_empty() {
                    filter.push_str(&format!(
                        " AND {} && array_remove(ARRAY['project_footprint', {x}.kind], NULL)",
                        kind_words(&selector.kinds)
                    ));
                }
                if !selector.sectors.is_empty() {
                    filter.push_str(&format!(" AND {} && {x}.sectors", sector_words(&selector.sectors)));
                }
                if let Some(only) = only {
                    filter.push_str(&format!(" AND {x}.slug = ANY({})", words(only)));
                }
                if !except.is_empty() {
                    filter.push_str(&format!(" AND NOT ({x}.slug = ANY({}))", words(except)));
                }
                EndSql {
                    from: format!("projects {x} LEFT JOIN cities {x}c ON {x}c.slug = {x}.city"),
                    filter,
                    reference: format!("'project:' || {x}.slug"),
                    layer: "'projects'".into(),
                    id: format!("{x}.id"),
                    name: format!("{x}.title"),
                    kind: format!("coalesce({x}.kind, 'project_footprint')"),
                    sectors: format!("{x}.sectors"),
                    city: format!("{x}.city"),
                    country: format!("{x}c.country"),
                }
            }
            End::Draft { kinds, sectors, city } => {
                let city_sql = city.as_deref().map_or_else(|| "NULL::text".to_owned(), sql_literal);
                EndSql {
                    from: format!(
                        "(SELECT ST_SetSRID(ST_GeomFromGeoJSON($1::text), 4326) AS geom) {x}0
                         CROSS JOIN LATERAL (SELECT {x}0.geom, nexus_to_3857({x}0.geom) AS geom_3857) {x}
                         LEFT JOIN cities {x}c ON {x}c.slug = {city_sql}"
                    ),
                    filter: "true".into(),
                    reference: "'draft'".into(),
                    layer: "'draft'".into(),
                    id: "0".into(),
                    name: "'the sketch'".into(),
                    kind: format!("'{}'", kinds.last().map_or("project_footprint", |k| k.as_str())),
                    sectors: sector_words(sectors),
                    city: city_sql,
                    country: format!("{x}c.country"),
                }
            }
        }
    }

    /// Whether both ends may hold the same feature (so a feature must not link to itself). Two
    /// parts of one layer count as one layer: each pair of its features is matched once, the
    /// smaller id first, whichever part holds which.
    pub(crate) fn overlaps(&self, other: &End) -> bool {
        match (self, other) {
            (End::Layer { id: a, .. }, End::Layer { id: b, .. }) => a == b,
            (End::Projects { .. }, End::Projects { .. }) => true,
            _ => false,
        }
    }
}
