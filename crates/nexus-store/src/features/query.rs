//! The query behind every read of features: which table, which columns, which filters
//! (all request values bound as parameters), in primary-key order.

use nexus_core::{Crs, DraftScope, FeatureFilter, FieldType, Layer};
use tokio_postgres::types::ToSql;

use super::cql::{Binds, Columns, Translator};
use super::geojson::GeometryText;
use super::project_answer::PROJECT_PROPERTIES;
use crate::error::{StoreError, StoreResult};

/// A feature's geometry column in `crs`, and how its GeoJSON text is written
/// (`geojson.rs`): CRS84 as stored, EPSG:4326 the same with its axes swapped as it is
/// written, others transformed by PostGIS.
fn geometry_column(precision: u8, crs: Crs) -> (String, GeometryText) {
    match crs {
        Crs::CRS84 => ("geom".into(), GeometryText { precision, flip: false }),
        Crs { srid: 4326, .. } => ("geom".into(), GeometryText { precision, flip: true }),
        // The code is one `Crs::parse` accepted: a number, safe in the text.
        Crs { srid, .. } => (format!("ST_Transform(geom, {srid})"), GeometryText { precision, flip: false }),
    }
}

/// A set of features that can be listed.
#[derive(Debug, Clone, Copy)]
pub enum Collection<'a> {
    /// A layer's features.
    Layer(&'a Layer),
    /// The projects: public ones, and the drafts a reader sees.
    Projects {
        /// Whose drafts are included.
        drafts: &'a DraftScope,
    },
}

/// The properties `properties=` keeps, in the collection's order; all without it.
fn chosen<'a>(all: &[&'a str], wanted: Option<&[String]>) -> StoreResult<Vec<&'a str>> {
    let Some(wanted) = wanted else { return Ok(all.to_vec()) };
    if let Some(unknown) = wanted.iter().find(|w| !all.contains(&w.as_str())) {
        return Err(StoreError::Filter(format!(
            "properties: '{}' is not a property of this collection; it has: {}",
            unknown.escape_default(),
            all.join(", ")
        )));
    }
    Ok(all.iter().copied().filter(|a| wanted.iter().any(|w| w == a)).collect())
}

/// Projects' queryable properties, and how each is filtered.
pub const PROJECT_QUERYABLES: &[&str] = &["city", "status", "sector", "dimension", "kind", "slug"];

/// Filters every layer accepts besides its own properties: the layer's city and sectors.
pub const LAYER_QUERYABLES: &[&str] = &["city", "sector"];

/// The first date or date-time field of a layer: its time, for `datetime` filters.
pub fn time_field(layer: &Layer) -> Option<&str> {
    layer
        .fields
        .iter()
        .find(|f| matches!(f.ty, nexus_core::FieldType::Date | nexus_core::FieldType::DateTime))
        .map(|f| f.name.as_str())
}

pub(super) type Params = Vec<Box<dyn ToSql + Sync + Send>>;

/// The FROM/WHERE part of a query, its parameters, and the feature-building select list.
pub(super) struct Query {
    pub(super) from: String,
    pub(super) select: String,
    pub(super) wheres: Vec<String>,
    pub(super) params: Params,
    /// The feature id column.
    pub(super) key: &'static str,
    /// The primary-key order, so pages and exports read the index instead of sorting rows.
    pub(super) order: &'static str,
    /// Restricts the outer query of a page to the primary key's leading column.
    pub(super) key_prefix: String,
    /// JSON-quoted property names, one per select column after the geometry; `None` when
    /// the third column is the whole properties object.
    pub(super) keys: Option<Vec<String>>,
    /// `sortby`'s keys, before the primary key.
    pub(super) order_by: Vec<String>,
    /// How the second column, the geometry, becomes GeoJSON.
    pub(super) geometry: GeometryText,
}

impl Binds for Query {
    fn bind_value(&mut self, v: Box<dyn ToSql + Sync + Send>) -> String {
        self.params.push(v);
        format!("${}", self.params.len())
    }
}

impl Query {
    pub(super) fn param(&mut self, v: impl ToSql + Sync + Send + 'static) -> String {
        self.params.push(Box::new(v));
        format!("${}", self.params.len())
    }

    /// # Errors
    /// [`StoreError::Filter`] when the CQL2 filter names something the collection does not
    /// have or compares values it cannot.
    /// `properties` keeps only those properties in each feature.
    pub(super) fn build(
        c: Collection<'_>,
        f: &FeatureFilter,
        precision: u8,
        crs: Crs,
        properties: Option<&[String]>,
    ) -> StoreResult<Query> {
        let (geometry, text) = geometry_column(precision, crs);
        let mut q = Query {
            from: String::new(),
            select: String::new(),
            wheres: Vec::new(),
            params: Vec::new(),
            key: "",
            order: "",
            key_prefix: String::new(),
            keys: None,
            order_by: Vec::new(),
            geometry: text,
        };
        match c {
            Collection::Layer(l) => {
                let fields = chosen(&l.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), properties)?;
                q.layer(l, f, &geometry, &fields);
            }
            Collection::Projects { drafts } => {
                let fields = chosen(PROJECT_PROPERTIES, properties)?;
                q.projects(drafts, f, &geometry, &fields);
            }
        }
        if !f.bbox.is_empty() {
            q.bbox(f);
        }
        if let Some((srid, b)) = f.projected_bbox {
            q.projected_bbox(srid, b);
        }
        if let Some(cql) = &f.cql {
            let columns = match c {
                Collection::Layer(l) => Columns::Layer(l),
                Collection::Projects { .. } => Columns::Projects,
            };
            let condition = Translator::new(&mut q, columns, cql.crs)
                .condition(&cql.expr)
                .map_err(|e| StoreError::Filter(e.to_string()))?;
            q.wheres.push(condition);
        }
        Ok(q)
    }

    /// A layer's features: one column per field, its filters on properties and time.
    fn layer(&mut self, l: &Layer, f: &FeatureFilter, geometry: &str, fields: &[&str]) {
        let q = self;
        q.from = format!("\"f_{}\"", l.id.as_str());
        // One column per field, so properties leave in the layer's field order (jsonb
        // keeps its own) without parsing them again here.
        let mut select = format!("fid, {geometry}");
        for field in fields {
            select.push_str(&format!(", (properties->{})::text", sql_literal(field)));
        }
        q.select = select;
        q.keys = Some(fields.iter().map(|f| serde_json::Value::from(*f).to_string()).collect());
        q.key = "fid";
        q.order = "layer_id, fid";
        // A literal, not a parameter: queries that do not use it must not carry it,
        // and a LayerId's alphabet cannot leave the quotes.
        q.key_prefix = format!("layer_id = '{}' AND ", l.id.as_str());
        for (k, v) in &f.equals {
            if !l.fields.iter().any(|field| field.name == *k) && LAYER_QUERYABLES.contains(&k.as_str()) {
                // `city` and `sector` name the layer's own metadata when its features
                // have no such property: all of the layer, or none of it.
                let matches = match k.as_str() {
                    "city" => l.city.as_ref().is_some_and(|c| c.as_str() == v),
                    _ => l.sectors.iter().any(|s| s.as_str() == v),
                };
                if !matches {
                    q.wheres.push("false".into());
                }
                continue;
            }
            let ty = l.fields.iter().find(|field| field.name == *k).map(|field| field.ty);
            match ty {
                // Numbers compare as numbers (`?population=1000.0` finds 1000).
                Some(FieldType::Integer | FieldType::Number) => match v.trim().parse::<f64>() {
                    Ok(x) if x.is_finite() => {
                        let (key, x) = (q.param(k.clone()), q.param(x));
                        q.wheres.push(format!(
                            "jsonb_typeof(properties->{key}) = 'number' AND (properties->>{key})::float8 = {x}::float8"
                        ));
                    }
                    _ => q.wheres.push("false".into()),
                },
                _ => {
                    let (key, v) = (q.param(k.clone()), q.param(v.clone()));
                    q.wheres.push(format!("properties->>{key} = {v}"));
                }
            }
        }
        if let (Some(t), Some(field)) = (&f.time, time_field(l)) {
            let field = q.param(field.to_owned());
            let value = format!("nexus_try_timestamptz(properties->>{field})");
            if let Some(s) = &t.start {
                let s = q.param(s.clone());
                q.wheres.push(format!("{value} >= nexus_try_timestamptz({s})"));
            }
            if let Some(e) = &t.end {
                let e = q.param(e.clone());
                q.wheres.push(format!("{value} <= nexus_try_timestamptz({e})"));
            }
            q.wheres.push(format!("{value} IS NOT NULL"));
        }
    }

    /// The projects (public ones unless drafts are asked for), their filters and dates.
    fn projects(&mut self, drafts: &DraftScope, f: &FeatureFilter, geometry: &str, fields: &[&str]) {
        let q = self;
        q.from = "projects".into();
        // Each property is the column of its name (constants, never request text).
        let pairs: Vec<String> = fields.iter().map(|c| format!("'{c}', {c}")).collect();
        q.select = format!("id, {geometry}, json_build_object({})::text", pairs.join(", "));
        q.key = "id";
        q.order = "id";
        if *drafts != DraftScope::All {
            let p = q.param(drafts.to_sql());
            q.wheres.push(format!("nexus_may_see(visibility, city, {p})"));
        }
        for (k, v) in &f.equals {
            let p = q.param(v.clone());
            match k.as_str() {
                "city" => q.wheres.push(format!("city = {p}")),
                "status" => q.wheres.push(format!("status = {p}")),
                "slug" => q.wheres.push(format!("slug = {p}")),
                "kind" => q.wheres.push(format!("kind = {p}")),
                "sector" => q.wheres.push(format!("{p} = ANY(sectors)")),
                "dimension" => q.wheres.push(format!("{p} = ANY(dimensions)")),
                _ => q.wheres.push("false".into()),
            }
        }
        if let Some(t) = &f.time {
            // A project spans its start to its end date; a missing end means it is still
            // running, a missing start that it began before anyone recorded.
            q.wheres.push("(start_date IS NOT NULL OR end_date IS NOT NULL)".into());
            if let Some(s) = &t.start {
                let s = q.param(s.clone());
                q.wheres.push(format!(
                    "(coalesce(end_date, 'infinity'::date)::timestamp + interval '1 day') AT TIME ZONE 'UTC'
                       > nexus_try_timestamptz({s})"
                ));
            }
            if let Some(e) = &t.end {
                let e = q.param(e.clone());
                q.wheres.push(format!(
                    "coalesce(start_date, '-infinity'::date)::timestamp AT TIME ZONE 'UTC' <= nexus_try_timestamptz({e})"
                ));
            }
        }
    }

    /// Features meeting any of the filter's boxes.
    fn bbox(&mut self, f: &FeatureFilter) {
        let q = self;
        // Search the (indexed) web-mercator copy with each box clipped to mercator's
        // latitudes, then test the exact geometry against the box in CRS84. Features wholly
        // beyond mercator's latitudes have an empty copy; a box reaching there looks at
        // those too.
        let lat = 85.051_128_779_806_59;
        let mut any = Vec::new();
        for b in &f.bbox {
            // A box of no width (a point query) would be a degenerate polygon that meets
            // nothing: give it a hair's breadth.
            let (max_lon, max_lat) = (b.max_lon.max(b.min_lon + 1e-9), b.max_lat.max(b.min_lat + 1e-9));
            let (x0, y0, x1, y1) = (q.param(b.min_lon), q.param(b.min_lat), q.param(max_lon), q.param(max_lat));
            let (x0, y0, x1, y1) =
                (format!("{x0}::float8"), format!("{y0}::float8"), format!("{x1}::float8"), format!("{y1}::float8"));
            let mercator = format!(
                "ST_Transform(ST_MakeEnvelope({x0}, greatest({y0}, -{lat}), {x1}, least({y1}, {lat}), 4326), 3857)"
            );
            // A feature whose mercator box lies inside the box meets it: mercator maps a
            // longitude/latitude box onto an upright rectangle, so the box test (read from the
            // geometry's header) settles it without the full geometry; only the features across
            // the box's edge are tested exactly (a third of the time on a 0.5° box of villages).
            let exact = format!(
                "(geom_3857 @ {mercator} OR ST_Intersects(geom, ST_MakeEnvelope({x0}, {y0}, {x1}, {y1}, 4326)))"
            );
            let indexed = format!("geom_3857 && {mercator}");
            if b.min_lat < -lat || b.max_lat > lat {
                any.push(format!("(({indexed} OR ST_IsEmpty(geom_3857)) AND {exact})"));
            } else {
                any.push(format!("({indexed} AND {exact})"));
            }
        }
        q.wheres.push(format!("({})", any.join(" OR ")));
    }

    /// Features meeting a box given in a projected coordinate system (EPSG code `srid`, a
    /// checked whole number).
    fn projected_bbox(&mut self, srid: i32, b: [f64; 4]) {
        let q = self;
        let (x0, y0, x1, y1) = (q.param(b[0]), q.param(b[1]), q.param(b[2]), q.param(b[3]));
        let envelope = format!("ST_MakeEnvelope({x0}::float8, {y0}::float8, {x1}::float8, {y1}::float8, {srid})");
        q.wheres.push(format!(
            "(geom_3857 && ST_Transform({envelope}, 3857) AND ST_Intersects(geom, ST_Transform(ST_Segmentize({envelope}, \
             ({x1}::float8 - {x0}::float8) / 16), 4326)))"
        ));
    }

    /// Orders by `sortby`'s properties (typed as the filters type them; missing values last).
    ///
    /// # Errors
    /// [`StoreError::Filter`] for a property the collection does not have.
    pub(super) fn sort(&mut self, c: Collection<'_>, sortby: &[(String, bool)]) -> StoreResult<()> {
        for (name, desc) in sortby {
            let columns = match c {
                Collection::Layer(l) => Columns::Layer(l),
                Collection::Projects { .. } => Columns::Projects,
            };
            let key = Translator::new(self, columns, Crs::CRS84)
                .sort_key(name)
                .map_err(|e| StoreError::Filter(format!("sortby: {}", e.0)))?;
            self.order_by.push(format!("{key} {} NULLS LAST", if *desc { "DESC" } else { "ASC" }));
        }
        Ok(())
    }

    pub(super) fn where_sql(&self) -> String {
        if self.wheres.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.wheres.join(" AND "))
        }
    }

    pub(super) fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params.iter().map(|p| &**p as &(dyn ToSql + Sync)).collect()
    }
}

/// A SQL string literal that means the same whatever `standard_conforming_strings` says:
/// an `E''` string, with backslashes and quotes doubled. (PostgreSQL text cannot hold NUL.)
pub(crate) fn sql_literal(s: &str) -> String {
    format!("E'{}'", s.replace('\0', "").replace('\\', "\\\\").replace('\'', "''"))
}
