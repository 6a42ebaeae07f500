//! What a set of layers' tiles hold, as TileJSON 3.0.0 says it: one description shared by the
//! live TileJSON and a static archive's metadata, so a map styled for one reads the other.

use std::collections::BTreeMap;

use nexus_core::{FieldType, Layer};
use serde_json::{json, Value};

fn mvt_type(t: FieldType) -> &'static str {
    match t {
        FieldType::Integer | FieldType::Number => "Number",
        FieldType::Boolean => "Boolean",
        _ => "String",
    }
}

/// A layer's entry in `vector_layers`.
pub fn vector_layer(l: &Layer) -> Value {
    let fields: BTreeMap<&str, &str> = l.fields.iter().map(|f| (f.name.as_str(), mvt_type(f.ty))).collect();
    json!({
        "id": l.id, "description": l.description.as_deref().unwrap_or(&l.title),
        "minzoom": l.minzoom, "maxzoom": l.maxzoom, "fields": fields,
    })
}

/// The layers' credits, as the HTML TileJSON's `attribution` is (a layer's words go in as
/// text); `None` when none has any.
pub fn attribution<'a>(layers: impl IntoIterator<Item = &'a Layer>) -> Option<String> {
    let credits: Vec<String> = layers
        .into_iter()
        .filter_map(|l| l.attribution.as_deref().or(l.source.as_deref()))
        .map(nexus_core::html::esc)
        .collect();
    (!credits.is_empty()).then(|| credits.join("; "))
}

/// The box around every layer that has one (WGS 84: west, south, east, north).
pub fn bounds<'a>(layers: impl IntoIterator<Item = &'a Layer>) -> Option<[f64; 4]> {
    layers
        .into_iter()
        .filter_map(|l| l.bounds)
        .reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])])
}
