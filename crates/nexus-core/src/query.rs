//! Which features: the filters of OGC API items, downloads and `nexus export`, and the strict
//! parsing of their query parameters (an unknown parameter or a malformed value is an error
//! that names it and says why).

use std::collections::HashMap;

use crate::{Bbox, Crs};

/// A time interval; open ends are `None`. Values are RFC 3339 instants or dates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimeRange {
    /// Start (inclusive).
    pub start: Option<String>,
    /// End (inclusive).
    pub end: Option<String>,
}

/// Which features.
#[derive(Debug, Clone, Default)]
pub struct FeatureFilter {
    /// Only features intersecting one of these boxes (CRS84): one box, or two for a box that
    /// crosses the antimeridian.
    pub bbox: Vec<Bbox>,
    /// Property = value pairs (already checked against the collection's queryables).
    pub equals: Vec<(String, String)>,
    /// Only features whose time intersects this range (ignored for collections without time).
    pub time: Option<TimeRange>,
    /// Only features meeting this box given in a projected coordinate system (`bbox` with a
    /// `bbox-crs` of web mercator or a UTM zone): its EPSG code and minX, minY, maxX, maxY.
    pub projected_bbox: Option<(i32, [f64; 4])>,
    /// Only features this CQL2 expression holds for (`filter=`).
    pub cql: Option<CqlFilter>,
}

/// A parsed CQL2 filter and the coordinate system of its geometry literals (`filter-crs`).
#[derive(Debug, Clone)]
pub struct CqlFilter {
    /// The expression (the `cql2` crate's).
    pub expr: cql2::Expr,
    /// The coordinate system of its geometries (CRS84 by default).
    pub crs: Crs,
}

/// Parses `filter` as `lang` (`cql2-text` or `cql2-json`). A syntax error says where.
pub fn cql(filter: &str, lang: &str, crs: Crs) -> Result<CqlFilter, QueryError> {
    let expr = match lang {
        "cql2-text" => cql2::parse_text(filter).map_err(|e| bad(format!("filter is not valid CQL2 text: {e}")))?,
        "cql2-json" => cql2::parse_json(filter).map_err(|e| bad(format!("filter is not valid CQL2 JSON: {e}")))?,
        other => return Err(bad(format!("filter-lang '{}' is not cql2-text or cql2-json", other.escape_default()))),
    };
    Ok(CqlFilter { expr, crs })
}

/// A query parameter that is unknown or malformed, said in one sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QueryError(pub String);

/// Items returned when `limit` is not given.
pub const DEFAULT_LIMIT: i64 = 100;
/// Most items one page returns; larger `limit`s are capped to it.
pub const MAX_LIMIT: i64 = 10_000;

/// The parameters items and downloads take besides property filters.
pub const RESERVED: &[&str] = &[
    "limit",
    "offset",
    "bbox",
    "bbox-crs",
    "crs",
    "datetime",
    "filter",
    "filter-lang",
    "filter-crs",
    "precision",
    "f",
];

/// Parsed items parameters.
#[derive(Debug, Clone)]
pub struct ItemsQuery {
    /// Page size.
    pub limit: i64,
    /// Items skipped.
    pub offset: i64,
    /// `f=`.
    pub f: Option<String>,
    /// Decimals of coordinates.
    pub precision: u8,
    /// The coordinate system geometries are served in (`crs=`; CRS84 by default).
    pub crs: Crs,
    /// Only these properties in each feature (`properties=`); all of them when `None`.
    pub properties: Option<Vec<String>>,
    /// The order of a page (`sortby=name,-population`): each property, and whether descending.
    pub sortby: Vec<(String, bool)>,
    /// The filter.
    pub filter: FeatureFilter,
}

fn bad(msg: String) -> QueryError {
    QueryError(msg)
}

/// Parses `bbox=minLon,minLat,maxLon,maxLat` (or the 6-number form with heights). Values a
/// little past the world's edges are clamped to them; a box whose west edge is east of its
/// east edge crosses the antimeridian and becomes two boxes.
pub fn bbox(v: &str) -> Result<Vec<Bbox>, QueryError> {
    let nums: Vec<f64> = v
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad(format!("bbox must be 4 or 6 comma-separated numbers, not '{}'", v.escape_default())))?;
    let (w, s, e, n) = match nums.as_slice() {
        [a, b, c, d] => (*a, *b, *c, *d),
        [a, b, _, d, e, _] => (*a, *b, *d, *e),
        _ => return Err(bad(format!("bbox must be 4 or 6 numbers, got {}", nums.len()))),
    };
    lonlat_boxes(w, s, e, n)
}

/// A longitude/latitude box as CRS84 boxes: clamped to the world, and split in two where it
/// crosses the antimeridian.
fn lonlat_boxes(w: f64, s: f64, e: f64, n: f64) -> Result<Vec<Bbox>, QueryError> {
    // Clients round outward; a box up to a degree past the edges means "to the edge".
    let clamp = |x: f64, limit: f64| if x.abs() > limit && x.abs() <= limit + 1.0 { x.signum() * limit } else { x };
    let (w, s, e, n) = (clamp(w, 180.0), clamp(s, 90.0), clamp(e, 180.0), clamp(n, 90.0));
    let boxes = if w > e && (-180.0..=180.0).contains(&w) && (-180.0..=180.0).contains(&e) {
        vec![Bbox::new(w, s, 180.0, n), Bbox::new(-180.0, s, e, n)]
    } else {
        vec![Bbox::new(w, s, e, n)]
    };
    boxes.into_iter().map(|b| b.map_err(|e| bad(e.to_string()))).collect()
}

/// Which end of an interval a value bounds: a date alone means the start of that day (UTC)
/// as a start, and its last instant as an end, so `2021-03-01/2021-03-31` is all of March.
#[derive(Clone, Copy)]
enum End {
    Start,
    End,
}

fn instant(v: &str, end: End) -> Result<Option<String>, QueryError> {
    if v == ".." || v.is_empty() {
        return Ok(None);
    }
    if time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339).is_ok() {
        return Ok(Some(v.to_owned()));
    }
    let date = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(v, date) {
        Ok(_) => Ok(Some(match end {
            End::Start => format!("{v}T00:00:00Z"),
            End::End => format!("{v}T23:59:59.999999Z"),
        })),
        Err(_) => Err(bad(format!("datetime '{}' is not an RFC 3339 date-time, a date, or '..'", v.escape_default()))),
    }
}

/// Parses `datetime=` (an instant or a date, `start/end`, `../end`, `start/..`).
pub fn datetime(v: &str) -> Result<TimeRange, QueryError> {
    match v.split_once('/') {
        None => {
            let start =
                instant(v, End::Start)?.ok_or_else(|| bad("datetime '..' needs a '/' to be an interval".into()))?;
            Ok(TimeRange { start: Some(start), end: instant(v, End::End)? })
        }
        Some((a, b)) => {
            let r = TimeRange { start: instant(a, End::Start)?, end: instant(b, End::End)? };
            if r.start.is_none() && r.end.is_none() {
                return Err(bad("datetime '../..' has no bound".into()));
            }
            Ok(r)
        }
    }
}

fn integer(name: &str, v: &str, min: i64) -> Result<i64, QueryError> {
    let n: i64 = v.parse().map_err(|_| bad(format!("{name} must be a whole number, not '{}'", v.escape_default())))?;
    if n < min {
        return Err(bad(format!("{name} must be at least {min}")));
    }
    Ok(n)
}

/// Parses items parameters; `queryables` are the property names that may be filtered on.
pub fn items(
    query: &HashMap<String, String>,
    queryables: &[String],
    with_paging: bool,
) -> Result<ItemsQuery, QueryError> {
    let mut p = ItemsQuery {
        limit: DEFAULT_LIMIT,
        offset: 0,
        f: None,
        precision: 6,
        crs: Crs::CRS84,
        properties: None,
        sortby: Vec::new(),
        filter: FeatureFilter::default(),
    };
    let (mut bbox_text, mut bbox_crs) = (None, Crs::CRS84);
    let (mut filter, mut filter_lang, mut filter_crs) = (None, "cql2-text", Crs::CRS84);
    let mut keys: Vec<&String> = query.keys().collect();
    keys.sort();
    for k in keys {
        let v = &query[k];
        match k.as_str() {
            "limit" if with_paging => p.limit = integer("limit", v, 1)?.min(MAX_LIMIT),
            "offset" if with_paging => p.offset = integer("offset", v, 0)?,
            "f" => p.f = Some(v.clone()),
            "bbox" => bbox_text = Some(v.as_str()),
            "bbox-crs" => bbox_crs = Crs::parse(v).ok_or_else(|| bad(Crs::unsupported("bbox-crs", v)))?,
            "crs" => p.crs = Crs::parse(v).ok_or_else(|| bad(Crs::unsupported("crs", v)))?,
            "properties" => p.properties = Some(names(v)),
            "sortby" if with_paging => {
                // `+` arrives as a space when a client does not encode it.
                p.sortby = names(v)
                    .into_iter()
                    .map(|n| match n.strip_prefix('-') {
                        Some(rest) => (rest.to_owned(), true),
                        None => (n.trim_start_matches('+').to_owned(), false),
                    })
                    .collect();
                if p.sortby.iter().any(|(n, _)| n.is_empty()) {
                    return Err(bad(format!("sortby '{}' names no property", v.escape_default())));
                }
            }
            "filter" if with_paging => filter = Some(v.as_str()),
            "filter-lang" if with_paging => filter_lang = v.as_str(),
            "filter-crs" if with_paging => {
                filter_crs = Crs::parse(v).ok_or_else(|| bad(Crs::unsupported("filter-crs", v)))?;
            }
            "datetime" => p.filter.time = Some(datetime(v)?),
            "precision" => {
                let n = integer("precision", v, 0)?;
                p.precision = u8::try_from(n.min(15)).unwrap_or(15);
            }
            other if queryables.iter().any(|q| q == other) => p.filter.equals.push((other.to_owned(), v.clone())),
            other => {
                let mut known =
                    if with_paging { vec!["limit", "offset", "filter", "filter-lang", "filter-crs"] } else { vec![] };
                known.extend(["bbox", "bbox-crs", "crs", "datetime", "precision", "f"]);
                let props = if queryables.is_empty() {
                    String::new()
                } else {
                    format!(", or a property: {}", queryables.join(", "))
                };
                return Err(bad(format!(
                    "unknown query parameter '{}'; use {}{props}",
                    other.escape_default(),
                    known.join(", ")
                )));
            }
        }
    }
    if let Some(text) = bbox_text {
        bbox_in(&mut p.filter, text, bbox_crs)?;
    }
    if let Some(text) = filter {
        p.filter.cql = Some(cql(text, filter_lang, filter_crs)?);
    }
    Ok(p)
}

/// A comma-separated list of names, trimmed, without empty ones.
fn names(v: &str) -> Vec<String> {
    v.split(',').map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned).collect()
}

/// `bbox` in the coordinate system `bbox-crs` names: CRS84 as it is, EPSG:4326 latitude first,
/// a projected one kept in its own units for the database to transform.
fn bbox_in(filter: &mut FeatureFilter, text: &str, crs: Crs) -> Result<(), QueryError> {
    if crs == Crs::CRS84 {
        filter.bbox = bbox(text)?;
        return Ok(());
    }
    let nums: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad(format!("bbox must be numbers, not '{}'", text.escape_default())))?;
    let [a, b, c, d] = nums.as_slice() else {
        return Err(bad(format!(
            "bbox must be 4 comma-separated numbers in its bbox-crs, not '{}'",
            text.escape_default()
        )));
    };
    if crs.lat_first {
        filter.bbox = lonlat_boxes(*b, *a, *d, *c)?;
    } else if a < c && b < d && nums.iter().all(|x| x.is_finite()) {
        filter.projected_bbox = Some((crs.srid, [*a, *b, *c, *d]));
    } else {
        return Err(bad(format!("bbox '{}' is not minX,minY,maxX,maxY", text.escape_default())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn sortby_and_properties_parse() {
        let p = items(&q(&[("sortby", " name,-population,+since"), ("properties", "name, population")]), &[], true)
            .unwrap();
        assert_eq!(p.sortby, vec![("name".into(), false), ("population".into(), true), ("since".into(), false)]);
        assert_eq!(p.properties, Some(vec!["name".to_owned(), "population".to_owned()]));
        assert!(items(&q(&[("sortby", "-")]), &[], true).unwrap_err().0.contains("names no property"));
    }

    #[test]
    fn cql2_filters_parse_and_say_where_they_are_wrong() {
        let p = items(&q(&[("filter", "name = 'x'' OR 1=1 --'")]), &[], true).unwrap();
        assert!(matches!(p.filter.cql.unwrap().expr, cql2::Expr::Operation { .. }));
        let json = r#"{"op": "=", "args": [{"property": "name"}, "Hai Ya"]}"#;
        assert!(items(&q(&[("filter", json), ("filter-lang", "cql2-json")]), &[], true).unwrap().filter.cql.is_some());
        let err = items(&q(&[("filter", "name = = 3")]), &[], true).unwrap_err().0;
        assert!(err.contains("not valid CQL2 text") && err.contains("1:"), "{err}");
        assert!(items(&q(&[("filter", "a=1"), ("filter-lang", "sql")]), &[], true)
            .unwrap_err()
            .0
            .contains("filter-lang"));
        let utm =
            items(&q(&[("filter", "S_INTERSECTS(geometry, POINT(1 2))"), ("filter-crs", "EPSG:32647")]), &[], true);
        assert_eq!(utm.unwrap().filter.cql.unwrap().crs.srid, 32647);
    }

    #[test]
    fn coordinate_systems_of_output_and_bbox() {
        let p = items(&q(&[("crs", "http://www.opengis.net/def/crs/EPSG/0/32647")]), &[], true).unwrap();
        assert_eq!(p.crs, Crs { srid: 32647, lat_first: false });
        assert_eq!(items(&q(&[]), &[], true).unwrap().crs, Crs::CRS84);
        // EPSG:4326 boxes are latitude first; projected ones stay in their units.
        let epsg = "http://www.opengis.net/def/crs/EPSG/0/4326";
        let p = items(&q(&[("bbox", "18,98,19,99"), ("bbox-crs", epsg)]), &[], true).unwrap();
        assert!(p.filter.bbox[0].contains(98.5, 18.5));
        let p = items(&q(&[("bbox", "490000,2070000,500000,2080000"), ("bbox-crs", "EPSG:32647")]), &[], true).unwrap();
        assert_eq!(p.filter.projected_bbox, Some((32647, [490_000.0, 2_070_000.0, 500_000.0, 2_080_000.0])));
        let err = |pairs: &[(&str, &str)]| items(&q(pairs), &[], true).unwrap_err().0;
        assert!(err(&[("crs", "EPSG:2000")]).contains("crs 'EPSG:2000'"));
        assert!(err(&[("bbox", "1,2,3,4"), ("bbox-crs", "urn:x")]).contains("bbox-crs"));
        assert!(err(&[("bbox", "5,2,3,4"), ("bbox-crs", "EPSG:3857")]).contains("minX"));
    }

    #[test]
    fn good_parameters_parse() {
        let p = items(
            &q(&[("limit", "20"), ("offset", "40"), ("bbox", "98,18,99,19"), ("city", "chiang-mai")]),
            &["city".into()],
            true,
        )
        .unwrap();
        assert_eq!((p.limit, p.offset), (20, 40));
        assert!(p.filter.bbox[0].contains(98.5, 18.5));
        assert_eq!(p.filter.equals, vec![("city".to_owned(), "chiang-mai".to_owned())]);
        assert_eq!(items(&q(&[("limit", "999999")]), &[], true).unwrap().limit, MAX_LIMIT);
        let t = items(&q(&[("datetime", "2017-01-01/..")]), &[], true).unwrap().filter.time.unwrap();
        assert_eq!((t.start.as_deref(), t.end), (Some("2017-01-01T00:00:00Z"), None));
        let day = datetime("2021-03-01").unwrap();
        assert_eq!(day.start.as_deref(), Some("2021-03-01T00:00:00Z"));
        assert_eq!(day.end.as_deref(), Some("2021-03-01T23:59:59.999999Z"), "a date is the whole day");
        let exact = datetime("2021-03-01T10:00:00+07:00").unwrap();
        assert_eq!(exact.start, exact.end);
    }

    #[test]
    fn bad_parameters_are_named() {
        let err = |pairs: &[(&str, &str)]| items(&q(pairs), &[], true).unwrap_err().0;
        assert!(err(&[("limit", "unlimited")]).contains("limit must be a whole number"));
        assert!(err(&[("limit", "0")]).contains("at least 1"));
        assert!(err(&[("offset", "-1")]).contains("at least 0"));
        assert!(err(&[("bbox", "1,2,3")]).contains("4 or 6"));
        assert!(err(&[("bbox", "0,0,200,1")]).contains("outside"));
        assert!(err(&[("bbox", "0,0,1")]).contains("4 or 6"));
        assert!(err(&[("datetime", "yesterday")]).contains("not an RFC 3339"));
        assert!(err(&[("datetime", "../..")]).contains("no bound"));
        assert!(err(&[("colour", "red")]).starts_with("unknown query parameter 'colour'"));
    }

    #[test]
    fn boxes_are_clamped_and_split_at_the_antimeridian() {
        let world = bbox("-180.5,-90.2,180.3,90.1").unwrap();
        assert_eq!(world.len(), 1);
        assert_eq!((world[0].min_lon, world[0].max_lat), (-180.0, 90.0));
        let pacific = bbox("170,-20,-170,-10").unwrap();
        assert_eq!(pacific.len(), 2);
        assert!(pacific[0].contains(175.0, -15.0) && pacific[1].contains(-175.0, -15.0));
        assert!(!pacific.iter().any(|b| b.contains(0.0, -15.0)));
    }
}
