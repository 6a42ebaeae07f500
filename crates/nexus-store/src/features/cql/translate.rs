//! The translation of a parsed CQL2 expression into one SQL condition with bound values.

use cql2::Expr;
use nexus_core::{Crs, FieldType};

use tokio_postgres::types::ToSql;

mod space_time;

/// A filter this collection cannot evaluate, said in one sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("filter: {0}")]
pub struct CqlError(pub String);

/// What a translated expression is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Text,
    Number,
    Instant,
    Geometry,
    Null,
    /// A literal whose type the other side of a comparison decides.
    Untyped,
}

/// A translated expression: its SQL and kind. An untyped literal keeps its text until a
/// comparison knows what to bind it as.
#[derive(Debug, Clone)]
struct Sql {
    text: String,
    kind: Kind,
    literal: Option<Expr>,
}

impl Sql {
    fn new(text: impl Into<String>, kind: Kind) -> Sql {
        Sql { text: text.into(), kind, literal: None }
    }
}

/// How a collection's properties read in SQL.
pub(crate) enum Columns<'a> {
    /// A layer's `properties` jsonb, with its fields' types; `city` and `sector` name the
    /// layer's own when no field has those names.
    Layer(&'a nexus_core::Layer),
    /// The projects table's columns.
    Projects,
}

/// Where a translated filter's values go: each becomes the next `$n` of the query.
pub(crate) trait Binds {
    /// Adds a parameter; returns its placeholder.
    fn bind_value(&mut self, v: Box<dyn ToSql + Sync + Send>) -> String;
}

pub(crate) struct Translator<'q, 'c> {
    q: &'q mut dyn Binds,
    columns: Columns<'c>,
    crs: Crs,
}

fn err<T>(msg: impl Into<String>) -> Result<T, CqlError> {
    Err(CqlError(msg.into()))
}

/// A date (`2021-03-01`) or an RFC 3339 time, checked here: the database would read anything
/// else as no time at all, and the filter would quietly match nothing.
fn instant(t: &str) -> Result<String, CqlError> {
    let date = time::macros::format_description!("[year]-[month]-[day]");
    let ok = time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).is_ok()
        || time::Date::parse(t, date).is_ok();
    if ok {
        Ok(t.to_owned())
    } else {
        err(format!("'{}' is not a date (2021-03-01) or an RFC 3339 time", t.escape_default()))
    }
}

/// Two sides of one comparison must be of one kind (a literal takes the other's).
fn same(a: &Sql, b: &Sql) -> Result<(), CqlError> {
    let known = |k: Kind| !matches!(k, Kind::Untyped | Kind::Null);
    if known(a.kind) && known(b.kind) && a.kind != b.kind {
        return err(format!("a {} cannot be compared with a {}", a.kind.word(), b.kind.word()));
    }
    Ok(())
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Bool => "true/false value",
            Kind::Text => "text",
            Kind::Number => "number",
            Kind::Instant => "date or time",
            Kind::Geometry => "geometry",
            Kind::Null | Kind::Untyped => "value",
        }
    }
}

const PROJECT_TEXT: &[&str] = &["slug", "city", "title", "title_local", "status", "kind", "visibility", "currency"];

impl<'q, 'c> Translator<'q, 'c> {
    pub(crate) fn new(q: &'q mut dyn Binds, columns: Columns<'c>, crs: Crs) -> Self {
        Translator { q, columns, crs }
    }

    fn param(&mut self, v: impl ToSql + Sync + Send + 'static) -> String {
        self.q.bind_value(Box::new(v))
    }

    /// The condition `e` states.
    pub(crate) fn condition(&mut self, e: &Expr) -> Result<String, CqlError> {
        let s = self.expr(e)?;
        let s = if matches!(s.literal, Some(Expr::Bool(_))) { self.bind(s, Kind::Bool)? } else { s };
        match s.kind {
            Kind::Bool => Ok(s.text),
            _ => err("the filter is not a condition (true or false for each feature)"),
        }
    }

    /// A property as a sort key.
    pub(crate) fn sort_key(&mut self, name: &str) -> Result<String, CqlError> {
        let s = self.property(name)?;
        if s.kind == Kind::Geometry {
            return err("features are not sorted by their geometry");
        }
        Ok(s.text)
    }

    fn property(&mut self, name: &str) -> Result<Sql, CqlError> {
        if name.eq_ignore_ascii_case("geometry") || name.eq_ignore_ascii_case("geom") {
            return Ok(Sql::new("geom", Kind::Geometry));
        }
        match self.columns {
            Columns::Layer(layer) => {
                let fields = &layer.fields;
                let own = match name {
                    "city" => Some(layer.city.as_ref().map(|c| c.as_str().to_owned())),
                    "sector" => Some(layer.sectors.first().map(|s| s.as_str().to_owned())),
                    _ => None,
                };
                if let (Some(value), false) = (own, fields.iter().any(|f| f.name == name)) {
                    return Ok(Sql::new(format!("{}::text", self.param(value)), Kind::Text));
                }
                let Some(f) = fields.iter().find(|f| f.name == name) else {
                    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                    return err(format!(
                        "'{}' is not a queryable; they are: geometry, city, sector, {}",
                        name.escape_default(),
                        names.join(", ")
                    ));
                };
                let key = self.param(f.name.clone());
                Ok(match f.ty {
                    FieldType::Integer | FieldType::Number => Sql::new(
                        format!("(CASE WHEN jsonb_typeof(properties->{key}) = 'number' THEN (properties->>{key})::float8 END)"),
                        Kind::Number,
                    ),
                    FieldType::Boolean => Sql::new(
                        format!("(CASE WHEN jsonb_typeof(properties->{key}) = 'boolean' THEN (properties->>{key})::boolean END)"),
                        Kind::Bool,
                    ),
                    FieldType::Date | FieldType::DateTime => {
                        Sql::new(format!("nexus_try_timestamptz(properties->>{key})"), Kind::Instant)
                    }
                    _ => Sql::new(format!("(properties->>{key})"), Kind::Text),
                })
            }
            Columns::Projects => match name {
                n if PROJECT_TEXT.contains(&n) => Ok(Sql::new(n.to_owned(), Kind::Text)),
                "budget" => Ok(Sql::new("budget::float8", Kind::Number)),
                "start_date" | "end_date" => Ok(Sql::new(format!("({name}::timestamp AT TIME ZONE 'UTC')"), Kind::Instant)),
                "sector" | "sectors" => Ok(Sql::new("array_to_string(sectors, ',')", Kind::Text)),
                _ => err(format!(
                    "'{}' is not a queryable of projects; they are: geometry, {}, budget, start_date, end_date, sectors",
                    name.escape_default(),
                    PROJECT_TEXT.join(", ")
                )),
            },
        }
    }

    /// Binds an untyped literal as `kind` (what the other side of a comparison is).
    fn bind(&mut self, s: Sql, kind: Kind) -> Result<Sql, CqlError> {
        let Some(lit) = s.literal else { return Ok(s) };
        let text = match &lit {
            Expr::Literal(t) => t.clone(),
            Expr::Float(f) => f.to_string(),
            Expr::Bool(b) => b.to_string(),
            _ => return Ok(Sql { literal: None, ..s }),
        };
        Ok(match kind {
            Kind::Number => match text.trim().parse::<f64>() {
                Ok(x) => Sql::new(format!("{}::float8", self.param(x)), Kind::Number),
                Err(_) => return err(format!("'{}' is compared with a number but is not one", text.escape_default())),
            },
            Kind::Bool => match text.as_str() {
                "true" | "false" => Sql::new(format!("{}::boolean", self.param(text == "true")), Kind::Bool),
                _ => return err(format!("'{}' is compared with true/false", text.escape_default())),
            },
            Kind::Instant => {
                Sql::new(format!("nexus_try_timestamptz({}::text)", self.param(instant(&text)?)), Kind::Instant)
            }
            _ => Sql::new(format!("{}::text", self.param(text)), Kind::Text),
        })
    }

    fn expr(&mut self, e: &Expr) -> Result<Sql, CqlError> {
        match e {
            Expr::Property { property } => self.property(property),
            Expr::Literal(_) | Expr::Float(_) => {
                Ok(Sql { text: String::new(), kind: Kind::Untyped, literal: Some(e.clone()) })
            }
            Expr::Bool(_) => Ok(Sql { text: String::new(), kind: Kind::Untyped, literal: Some(e.clone()) }),
            Expr::Null => Ok(Sql::new("NULL", Kind::Null)),
            Expr::Date { date } | Expr::Timestamp { timestamp: date } => {
                let Expr::Literal(t) = date.as_ref() else { return err("DATE and TIMESTAMP take a quoted value") };
                let t = instant(t)?;
                Ok(Sql::new(format!("nexus_try_timestamptz({}::text)", self.param(t)), Kind::Instant))
            }
            Expr::Geometry(g) => {
                let wkt = g.to_wkt().map_err(|e| CqlError(format!("a geometry cannot be read: {e}")))?;
                let g = format!("ST_GeomFromText({}::text)", self.param(wkt));
                Ok(Sql::new(self.geometry_literal(&g), Kind::Geometry))
            }
            Expr::BBox { bbox } => {
                let n: Vec<f64> = bbox.iter().filter_map(|b| f64::try_from(b.as_ref().clone()).ok()).collect();
                let [w, s, e, n] = match n.as_slice() {
                    [w, s, e, n] | [w, s, _, e, n, _] => [*w, *s, *e, *n],
                    _ => return err("BBOX takes 4 or 6 numbers"),
                };
                let (w, s, e, n) = (self.param(w), self.param(s), self.param(e), self.param(n));
                let env = format!("ST_MakeEnvelope({w}::float8, {s}::float8, {e}::float8, {n}::float8)");
                Ok(Sql::new(self.geometry_literal(&env), Kind::Geometry))
            }
            Expr::Operation { op, args } => self.operation(op, args),
            Expr::Interval { .. } => err("an INTERVAL is only an argument of a temporal operator"),
            Expr::Array(_) => err("a list is only the right side of IN"),
        }
    }

    /// A geometry literal in the filter's coordinate system, as WGS 84 longitude/latitude.
    fn geometry_literal(&self, g: &str) -> String {
        match self.crs {
            Crs::CRS84 => format!("ST_SetSRID({g}, 4326)"),
            Crs { srid: 4326, .. } => format!("ST_SetSRID(ST_FlipCoordinates({g}), 4326)"),
            // The code is one `Crs::parse` accepted: a number, safe in the text.
            Crs { srid, .. } => format!("ST_Transform(ST_SetSRID({g}, {srid}), 4326)"),
        }
    }

    fn operation(&mut self, op: &str, args: &[Box<Expr>]) -> Result<Sql, CqlError> {
        let lower = op.to_ascii_lowercase();
        match lower.as_str() {
            "and" | "or" => {
                let parts = args.iter().map(|a| self.condition(a)).collect::<Result<Vec<_>, _>>()?;
                Ok(Sql::new(format!("({})", parts.join(if lower == "and" { " AND " } else { " OR " })), Kind::Bool))
            }
            "not" => {
                let [a] = args else { return err("NOT takes one condition") };
                Ok(Sql::new(format!("(NOT coalesce({}, false))", self.condition(a)?), Kind::Bool))
            }
            "=" | "<>" | "<" | ">" | "<=" | ">=" => self.comparison(&lower, args),
            "like" => {
                let [a, b] = args else { return err("LIKE takes two sides") };
                let (a, b) = (self.expr(a)?, self.expr(b)?);
                let (a, b) = (self.bind(a, Kind::Text)?, self.bind(b, Kind::Text)?);
                if a.kind != Kind::Text || b.kind != Kind::Text {
                    return err("LIKE compares text");
                }
                Ok(Sql::new(format!("({} LIKE {})", a.text, b.text), Kind::Bool))
            }
            "between" => {
                let [x, lo, hi] = args else { return err("BETWEEN takes a value and two bounds") };
                let x = self.expr(x)?;
                let kind = if x.kind == Kind::Untyped { Kind::Number } else { x.kind };
                let (lo, hi) = (self.expr(lo)?, self.expr(hi)?);
                let (lo, hi) = (self.bind(lo, kind)?, self.bind(hi, kind)?);
                same(&x, &lo)?;
                same(&x, &hi)?;
                Ok(Sql::new(format!("({} BETWEEN {} AND {})", self.bind(x, kind)?.text, lo.text, hi.text), Kind::Bool))
            }
            "in" => {
                let [x, list] = args else { return err("IN takes a value and a list") };
                let Expr::Array(items) = list.as_ref() else { return err("IN takes a list in parentheses") };
                let x = self.expr(x)?;
                let kind = if x.kind == Kind::Untyped { Kind::Text } else { x.kind };
                let mut values = Vec::new();
                for item in items {
                    let v = self.expr(item)?;
                    let v = self.bind(v, kind)?;
                    same(&x, &v)?;
                    values.push(v.text);
                }
                Ok(Sql::new(format!("({} IN ({}))", self.bind(x, kind)?.text, values.join(", ")), Kind::Bool))
            }
            "isnull" => {
                let [a] = args else { return err("IS NULL takes one value") };
                let a = self.expr(a)?;
                let a = self.bind(a, Kind::Text)?;
                Ok(Sql::new(format!("({} IS NULL)", a.text), Kind::Bool))
            }
            "casei" | "accenti" => {
                let [a] = args else { return err(format!("{op} takes one value")) };
                let a = self.expr(a)?;
                let a = self.bind(a, Kind::Text)?;
                let f = if lower == "casei" { "lower" } else { "unaccent" };
                Ok(Sql::new(format!("{f}({})", a.text), Kind::Text))
            }
            s if s.starts_with("s_") => self.spatial(s, args),
            t if t.starts_with("t_") => self.temporal(t, args),
            _ => err(format!(
                "operator '{}' is not one this server evaluates (comparisons, LIKE, BETWEEN, IN, IS NULL, CASEI, ACCENTI, \
                 the S_ spatial operators and S_DWITHIN, T_BEFORE, T_AFTER, T_DURING, T_EQUALS, T_INTERSECTS)",
                op.escape_default()
            )),
        }
    }

    fn comparison(&mut self, op: &str, args: &[Box<Expr>]) -> Result<Sql, CqlError> {
        let [a, b] = args else { return err(format!("{op} takes two sides")) };
        let (a, b) = (self.expr(a)?, self.expr(b)?);
        let kind = match (a.kind, b.kind) {
            (Kind::Untyped, Kind::Untyped) => Kind::Text,
            (Kind::Untyped, k) | (k, _) => k,
        };
        if kind == Kind::Geometry {
            return err("geometries are compared with the S_ operators, not with =");
        }
        same(&a, &b)?;
        let (a, b) = (self.bind(a, kind)?, self.bind(b, kind)?);
        Ok(Sql::new(format!("({} {op} {})", a.text, b.text), Kind::Bool))
    }
}
