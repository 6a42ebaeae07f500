//! What a set of layers' tiles hold, as TileJSON 3.0.0 says it: one description shared by the
//! live TileJSON and a static archive's metadata, so a map styled for one reads the other.

use std::collections::BTreeMap;

use nexus_core::{FieldType, GeometryFamily, Layer};
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

/// The archive's `tilestats` (the mapbox-geostats form tippecanoe writes): each layer's geometry
/// and attributes. GDAL's MBTiles and PMTiles drivers take a layer's geometry type from here;
/// without it they open tiles to guess, up to two seconds a layer (17 s for the sample atlas).
pub fn tile_stats<'a>(layers: impl IntoIterator<Item = &'a Layer>) -> Value {
    let layers: Vec<Value> = layers
        .into_iter()
        .map(|l| {
            let mut entry = json!({
                "layer": l.id, "count": l.feature_count, "attributeCount": l.fields.len(),
                "attributes": l.fields.iter().map(|f| json!({
                    "attribute": f.name, "type": mvt_type(f.ty).to_ascii_lowercase(),
                })).collect::<Vec<_>>(),
            });
            if let Some(g) = l.geometry_type {
                entry["geometry"] = json!(match g {
                    GeometryFamily::Point => "Point",
                    GeometryFamily::Line => "LineString",
                    GeometryFamily::Polygon => "Polygon",
                });
            }
            entry
        })
        .collect();
    json!({ "layerCount": layers.len(), "layers": layers })
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
