//! JSON Schemas of a collection: `/collections/{id}/queryables` (the properties `items`
//! filters on, OGC API - Features Part 3) and `/collections/{id}/schema` (a feature as
//! GeoJSON, which GDAL and QGIS read to type the fields before the first page arrives).

use nexus_core::FieldType;
use nexus_store::LAYER_QUERYABLES;
use serde_json::{json, Map, Value};

use super::source::Source;

/// The JSON Schema of one field type.
fn of_type(ty: FieldType) -> Value {
    match ty {
        FieldType::Integer => json!({ "type": "integer" }),
        FieldType::Number => json!({ "type": "number" }),
        FieldType::String => json!({ "type": "string" }),
        FieldType::Boolean => json!({ "type": "boolean" }),
        FieldType::Date => json!({ "type": "string", "format": "date" }),
        FieldType::DateTime => json!({ "type": "string", "format": "date-time" }),
        FieldType::Time => json!({ "type": "string", "format": "time" }),
        FieldType::Array => json!({ "type": "array" }),
        FieldType::Object => json!({ "type": "object" }),
    }
}

/// Every property of the collection's features, in order, with its schema.
pub fn properties(s: &Source) -> Vec<(String, Value)> {
    match s {
        Source::Layer(l) => l.fields.iter().map(|f| (f.name.clone(), of_type(f.ty))).collect(),
        Source::Projects { .. } => {
            let text = || json!({ "type": "string" });
            let words = || json!({ "type": "array", "items": { "type": "string" } });
            vec![
                ("slug".into(), text()),
                ("city".into(), text()),
                ("title".into(), text()),
                ("title_local".into(), text()),
                ("description".into(), text()),
                ("description_local".into(), text()),
                ("sectors".into(), words()),
                ("dimensions".into(), words()),
                ("kind".into(), text()),
                ("status".into(), text()),
                ("budget".into(), json!({ "type": "number" })),
                ("currency".into(), text()),
                ("start_date".into(), json!({ "type": "string", "format": "date" })),
                ("end_date".into(), json!({ "type": "string", "format": "date" })),
                ("partners".into(), words()),
                ("source".into(), text()),
                ("approximate".into(), json!({ "type": "boolean" })),
                ("visibility".into(), text()),
                ("revision".into(), json!({ "type": "integer" })),
                ("updated_at".into(), json!({ "type": "string", "format": "date-time" })),
            ]
        }
    }
}

/// The schema of each queryable (equality filters of `items`); a property named like a
/// standard parameter (`limit`, `bbox`, …) is not one, since the parameter wins.
pub fn queryables(s: &Source) -> Vec<(String, Value)> {
    let props = properties(s);
    s.queryables()
        .into_iter()
        .filter(|name| !nexus_core::query::RESERVED.contains(&name.as_str()))
        .map(|name| {
            let schema = props.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
            let schema = match schema {
                // Array properties of projects match one of their values.
                Some(v) if v["type"] == "array" => v["items"].clone(),
                Some(v) => v,
                None if LAYER_QUERYABLES.contains(&name.as_str()) => json!({
                    "type": "string",
                    "description": format!("The layer's {name}: all of its features match, or none.")
                }),
                None => json!({ "type": "string" }),
            };
            (name, schema)
        })
        .collect()
}

fn object(props: Vec<(String, Value)>) -> Value {
    Value::Object(props.into_iter().collect::<Map<String, Value>>())
}

/// `/collections/{id}/queryables`.
pub fn queryables_document(url: &str, title: &str, s: &Source) -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": url,
        "type": "object",
        "title": title,
        "properties": object(
            std::iter::once(("geometry".to_owned(), json!({ "format": "geometry-any", "description": "The feature's geometry, for the spatial operators of filter=" })))
                .chain(queryables(s))
                .collect()
        ),
        "additionalProperties": false,
    })
}

/// `/collections/{id}/schema`: one feature of the collection as GeoJSON.
pub fn feature_document(url: &str, title: &str, s: &Source) -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": url,
        "title": title,
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": { "type": "string", "enum": ["Feature"] },
            "id": { "type": "integer" },
            "geometry": { "oneOf": [{ "type": "null" }, { "type": "object" }] },
            "properties": { "type": "object", "properties": object(properties(s)) },
        },
    })
}
