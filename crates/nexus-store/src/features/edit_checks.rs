//! The checks a feature passes before it is stored, as an ingest's: its geometry (the layer's
//! family, on the globe, valid or repaired) and its properties (scalars, of their field's type).

use nexus_core::{FieldDef, FieldType};
use serde_json::{Map, Value};

use crate::error::{describe, StoreError, StoreResult};

/// A feature as sent: its GeoJSON geometry and the coordinate system it is in.
#[derive(Debug, Clone)]
pub struct FeatureBody {
    /// The geometry, GeoJSON text.
    pub geometry: String,
    /// Its EPSG code (4326 for CRS84 longitude/latitude).
    pub srid: i32,
    /// Its coordinates are latitude first (EPSG:4326 as the EPSG defines it).
    pub lat_first: bool,
    /// The properties.
    pub properties: Map<String, Value>,
}

/// The geometry as it will be stored.
pub(super) struct Checked {
    pub ewkb: Vec<u8>,
    pub family: &'static str,
    pub bbox: [f64; 4],
    pub repaired: Option<String>,
}

fn family_of(geometry_type: &str) -> Option<&'static str> {
    match geometry_type {
        "POINT" | "MULTIPOINT" => Some("point"),
        "LINESTRING" | "MULTILINESTRING" => Some("line"),
        "POLYGON" | "MULTIPOLYGON" => Some("polygon"),
        _ => None,
    }
}

/// The geometry in WGS 84, of the layer's family, valid (repaired when it can be).
pub(super) async fn check_geometry(
    tx: &impl deadpool_postgres::GenericClient,
    b: &FeatureBody,
    layer: Option<&str>,
) -> StoreResult<Checked> {
    let bad = |e: tokio_postgres::Error| StoreError::Invalid(format!("the geometry cannot be read: {}", describe(&e)));
    let row = tx
        .query_one(
            "WITH src AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1::text), $2::int) AS g0),
                  xy AS (SELECT CASE WHEN $3 THEN ST_FlipCoordinates(g0) ELSE g0 END AS g1 FROM src),
                  g AS (SELECT CASE WHEN $2::int = 4326 THEN g1 ELSE ST_Transform(g1, 4326) END AS g FROM xy)
             SELECT GeometryType(g), ST_IsEmpty(g), ST_IsValid(g), ST_IsValidReason(g),
                    ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g), ST_AsEWKB(g) FROM g",
            &[&b.geometry, &b.srid, &b.lat_first],
        )
        .await
        .map_err(bad)?;
    let ty: String = row.get(0);
    let family = family_of(&ty).ok_or_else(|| {
        StoreError::Invalid(format!("a {ty} cannot be stored: a feature is a point, line or polygon (or a multi-one)"))
    })?;
    if let Some(layer) = layer.filter(|l| *l != family) {
        return Err(StoreError::Invalid(format!("the layer holds {layer}s; this feature's geometry is a {ty}")));
    }
    if row.get::<_, bool>(1) {
        return Err(StoreError::Invalid("the geometry is empty".into()));
    }
    let bbox = [row.get::<_, f64>(4), row.get(5), row.get(6), row.get(7)];
    if bbox[0] < -180.0 || bbox[2] > 180.0 || bbox[1] < -90.0 || bbox[3] > 90.0 {
        return Err(StoreError::Invalid(format!(
            "the geometry reaches {:.3},{:.3} to {:.3},{:.3}, outside the globe: are its coordinates longitude, \
             latitude (or is its Content-Crs header missing)?",
            bbox[0], bbox[1], bbox[2], bbox[3]
        )));
    }
    let ewkb: Vec<u8> = row.get(8);
    if row.get::<_, bool>(2) {
        return Ok(Checked { ewkb, family, bbox, repaired: None });
    }
    let reason: String = row.get(3);
    let extract: i32 = match family {
        "point" => 1,
        "line" => 2,
        _ => 3,
    };
    let fixed = tx
        .query_one(
            "SELECT ST_IsEmpty(r), ST_AsEWKB(r) FROM (SELECT ST_CollectionExtract(ST_MakeValid(ST_GeomFromEWKB($1)), $2) r) x",
            &[&ewkb, &extract],
        )
        .await
        .map_err(bad)?;
    if fixed.get::<_, bool>(0) {
        return Err(StoreError::Invalid(format!(
            "the geometry is not valid ({reason}) and no {family} is left once it is repaired"
        )));
    }
    Ok(Checked { ewkb: fixed.get(1), family, bbox, repaired: Some(reason) })
}

/// Properties are scalars; those of a typed field have its type; new ones join the fields.
pub(super) fn check_properties(props: &Map<String, Value>, fields: &mut Vec<FieldDef>) -> StoreResult<()> {
    for (name, value) in props {
        if name.is_empty() || name.chars().count() > 128 {
            return Err(StoreError::Invalid("property names have 1 to 128 characters".into()));
        }
        let found = match value {
            Value::Null => continue,
            Value::Array(_) | Value::Object(_) => {
                return Err(StoreError::Invalid(format!(
                    "property '{}' is a list or an object: a layer's properties are text, numbers, true/false or null",
                    name.escape_default()
                )))
            }
            Value::Bool(_) => FieldType::Boolean,
            Value::Number(n) if n.is_i64() || n.is_u64() => FieldType::Integer,
            Value::Number(_) => FieldType::Number,
            Value::String(_) => FieldType::String,
        };
        match fields.iter().find(|f| &f.name == name) {
            None => fields.push(FieldDef { name: name.clone(), ty: found }),
            Some(f) => {
                let fits = match f.ty {
                    FieldType::Integer => found == FieldType::Integer,
                    FieldType::Number => matches!(found, FieldType::Integer | FieldType::Number),
                    FieldType::Boolean => found == FieldType::Boolean,
                    _ => true,
                };
                if !fits {
                    return Err(StoreError::Invalid(format!(
                        "property '{}' is {} in this layer, and {value} is not",
                        name.escape_default(),
                        match f.ty {
                            FieldType::Integer => "a whole number",
                            FieldType::Number => "a number",
                            _ => "true or false",
                        }
                    )));
                }
            }
        }
    }
    Ok(())
}
