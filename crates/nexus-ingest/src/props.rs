//! Feature attributes: GDAL field values to a JSON object, keeping their types (numbers stay
//! numbers, booleans booleans, nested JSON objects), and the layer's field schema.

use gdal::vector::{Defn, Feature, FieldValue};
use gdal_sys::OGRFieldType;
use nexus_core::{FieldDef, FieldType};
use serde_json::{Map, Number, Value};

use crate::ffi::{field_is_set, field_subtypes, SubType};
use crate::looks::Looks;

/// How to turn each field of a layer into JSON.
#[derive(Debug, Clone)]
pub struct Schema {
    names: Vec<String>,
    kinds: Vec<(u32, SubType)>,
    looks: Vec<Looks>,
    /// The schema as the catalog stores it.
    pub fields: Vec<FieldDef>,
}

impl Schema {
    /// Reads the field definitions once per layer.
    pub fn of(defn: &Defn) -> Schema {
        let subtypes = field_subtypes(defn);
        let mut names = Vec::new();
        let mut kinds = Vec::new();
        let mut fields = Vec::new();
        for (i, f) in defn.fields().enumerate() {
            let ty = f.field_type();
            let sub = subtypes.get(i).copied().unwrap_or(SubType::None);
            let name = f.name();
            fields.push(FieldDef { name: name.clone(), ty: field_type(ty, sub) });
            names.push(name);
            kinds.push((ty, sub));
        }
        let looks =
            fields.iter().map(|f| if f.ty == FieldType::String { Looks::Unseen } else { Looks::Text }).collect();
        Schema { names, kinds, looks, fields }
    }

    /// The fields, with text fields that held only dates (or only date-times) typed as such.
    pub fn refined_fields(&self) -> Vec<FieldDef> {
        self.fields
            .iter()
            .zip(&self.looks)
            .map(|(f, looks)| FieldDef { name: f.name.clone(), ty: looks.refine(f.ty) })
            .collect()
    }

    /// The feature's properties as a JSON object, serialised.
    pub fn properties(&mut self, feature: &Feature<'_>) -> String {
        let mut map = Map::with_capacity(self.names.len());
        for (i, name) in self.names.iter().enumerate() {
            let (ty, sub) = self.kinds[i];
            let value = match feature.field(i) {
                _ if !field_is_set(feature, i) => Value::Null,
                Ok(Some(v)) => to_json(v, sub),
                Ok(None) => Value::Null,
                // Types the safe API cannot read (times, binary): fall back to GDAL's text.
                Err(_) => feature.field_as_string(i).ok().flatten().map_or(Value::Null, Value::String),
            };
            let value = if ty == OGRFieldType::OFTTime { time_text(feature, i).unwrap_or(value) } else { value };
            if self.looks[i] != Looks::Text {
                if let Value::String(text) = &value {
                    self.looks[i] = self.looks[i].and(Looks::of(text));
                }
            }
            map.insert(name.clone(), value);
        }
        Value::Object(map).to_string()
    }
}

fn time_text(feature: &Feature<'_>, i: usize) -> Option<Value> {
    feature.field_as_string(i).ok().flatten().map(Value::String)
}

fn field_type(ty: u32, sub: SubType) -> FieldType {
    match (ty, sub) {
        (OGRFieldType::OFTInteger, SubType::Boolean) => FieldType::Boolean,
        (OGRFieldType::OFTInteger | OGRFieldType::OFTInteger64, _) => FieldType::Integer,
        (OGRFieldType::OFTReal, _) => FieldType::Number,
        (OGRFieldType::OFTString, SubType::Json) => FieldType::Object,
        (OGRFieldType::OFTDate, _) => FieldType::Date,
        (OGRFieldType::OFTDateTime, _) => FieldType::DateTime,
        (OGRFieldType::OFTTime, _) => FieldType::Time,
        (
            OGRFieldType::OFTIntegerList
            | OGRFieldType::OFTInteger64List
            | OGRFieldType::OFTRealList
            | OGRFieldType::OFTStringList,
            _,
        ) => FieldType::Array,
        _ => FieldType::String,
    }
}

fn number(x: f64) -> Value {
    Number::from_f64(x).map_or(Value::Null, Value::Number)
}

fn to_json(v: FieldValue, sub: SubType) -> Value {
    match v {
        FieldValue::IntegerValue(i) if sub == SubType::Boolean => Value::Bool(i != 0),
        FieldValue::IntegerValue(i) => Value::from(i),
        FieldValue::Integer64Value(i) => Value::from(i),
        FieldValue::RealValue(x) => number(x),
        FieldValue::StringValue(s) if sub == SubType::Json => serde_json::from_str(&s).unwrap_or(Value::String(s)),
        FieldValue::StringValue(s) => Value::String(s),
        FieldValue::IntegerListValue(l) if sub == SubType::Boolean => {
            l.into_iter().map(|i| Value::Bool(i != 0)).collect()
        }
        FieldValue::IntegerListValue(l) => l.into_iter().map(Value::from).collect(),
        FieldValue::Integer64ListValue(l) => l.into_iter().map(Value::from).collect(),
        FieldValue::RealListValue(l) => l.into_iter().map(number).collect(),
        FieldValue::StringListValue(l) => l.into_iter().map(Value::String).collect(),
        FieldValue::DateValue(d) => Value::String(d.format("%Y-%m-%d").to_string()),
        FieldValue::DateTimeValue(dt) => Value::String(dt.to_rfc3339()),
    }
}
