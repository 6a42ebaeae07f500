//! The fields of a GeoJSON layer, learnt in the one pass over its features: each property's
//! type is told from the first character of its value as written (the value itself is stored
//! verbatim), and types widen as later features show more (an integer field that meets a
//! decimal becomes a number field; anything that meets text becomes text). Fields keep the
//! order in which they first appear, as GDAL lists them.

use std::collections::HashMap;

use nexus_core::{FieldDef, FieldType};
use serde_json::value::RawValue;

use crate::looks::Looks;

/// What one property's values have been so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Only nulls.
    Null,
    Boolean,
    Integer,
    Number,
    Text,
    Object,
    Array,
}

impl Kind {
    /// The kind of a value from its JSON text.
    fn of(raw: &str) -> Kind {
        match raw.as_bytes().first() {
            Some(b'"') => Kind::Text,
            Some(b't' | b'f') => Kind::Boolean,
            Some(b'n') | None => Kind::Null,
            Some(b'{') => Kind::Object,
            Some(b'[') => Kind::Array,
            _ if raw.contains(['.', 'e', 'E']) || raw.parse::<i64>().is_err() => Kind::Number,
            _ => Kind::Integer,
        }
    }

    /// The kind that holds values of both (GDAL's widening for GeoJSON, except that values
    /// are kept as written instead of converted).
    fn and(self, next: Kind) -> Kind {
        use Kind::{Boolean, Integer, Null, Number, Text};
        match (self, next) {
            (a, Null) => a,
            (Null, b) => b,
            (a, b) if a == b => a,
            (Boolean | Integer, Boolean | Integer) => Integer,
            (Boolean | Integer | Number, Boolean | Integer | Number) => Number,
            _ => Text,
        }
    }

    fn field_type(self) -> FieldType {
        match self {
            Kind::Null | Kind::Text => FieldType::String,
            Kind::Boolean => FieldType::Boolean,
            Kind::Integer => FieldType::Integer,
            Kind::Number => FieldType::Number,
            Kind::Object => FieldType::Object,
            Kind::Array => FieldType::Array,
        }
    }
}

/// The fields seen so far.
#[derive(Debug, Default)]
pub struct Fields {
    index: HashMap<String, usize>,
    seen: Vec<(String, Kind, Looks)>,
}

impl Fields {
    /// Notes one property value, given as its JSON text.
    pub fn see(&mut self, name: &str, raw: &RawValue) {
        let raw = raw.get();
        let kind = Kind::of(raw);
        let i = match self.index.get(name) {
            Some(i) => *i,
            None => {
                self.index.insert(name.to_owned(), self.seen.len());
                self.seen.push((name.to_owned(), Kind::Null, Looks::Unseen));
                self.seen.len() - 1
            }
        };
        let field = &mut self.seen[i];
        field.1 = field.1.and(kind);
        if kind == Kind::Text && field.2 != Looks::Text {
            // Dates never need escapes; text that has some is not one.
            let inner = &raw[1..raw.len() - 1];
            field.2 = field.2.and(if inner.contains('\\') { Looks::Text } else { Looks::of(inner) });
        } else if kind != Kind::Null {
            // A field that also holds numbers or objects is not a date field.
            field.2 = Looks::Text;
        }
    }

    /// The fields as the catalog keeps them.
    pub fn defs(&self) -> Vec<FieldDef> {
        self.seen
            .iter()
            .map(|(name, kind, looks)| {
                let ty = kind.field_type();
                FieldDef { name: name.clone(), ty: if *kind == Kind::Text { looks.refine(ty) } else { ty } }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(values: &[&str]) -> FieldType {
        let mut f = Fields::default();
        for v in values {
            f.see("x", &RawValue::from_string((*v).to_owned()).unwrap());
        }
        f.defs()[0].ty
    }

    #[test]
    fn types_widen_as_values_show_more() {
        assert_eq!(typed(&["1", "-20"]), FieldType::Integer);
        assert_eq!(typed(&["1", "2.5"]), FieldType::Number);
        assert_eq!(typed(&["1e3"]), FieldType::Number);
        assert_eq!(typed(&["99999999999999999999"]), FieldType::Number, "beyond 64 bits");
        assert_eq!(typed(&["true", "false"]), FieldType::Boolean);
        assert_eq!(typed(&["true", "1"]), FieldType::Integer);
        assert_eq!(typed(&["null", "true"]), FieldType::Boolean);
        assert_eq!(typed(&["null"]), FieldType::String);
        assert_eq!(typed(&["1", "\"a\""]), FieldType::String);
        assert_eq!(typed(&["{\"a\":1}", "{}"]), FieldType::Object);
        assert_eq!(typed(&["[1]", "{}"]), FieldType::String);
        assert_eq!(typed(&["[1]", "[\"a\"]", "null"]), FieldType::Array);
        assert_eq!(typed(&["\"2021-03-01\"", "null", "\"2022-12-31\""]), FieldType::Date);
        assert_eq!(typed(&["\"2021-03-01T10:00:00Z\""]), FieldType::DateTime);
        assert_eq!(typed(&["\"2021-03-01\"", "\"soon\""]), FieldType::String);
        assert_eq!(typed(&["\"2021-03-01\"", "5"]), FieldType::String);
        assert_eq!(typed(&["5", "\"2021-03-01\""]), FieldType::String);
    }

    #[test]
    fn fields_keep_the_order_they_first_appear_in() {
        let mut f = Fields::default();
        for (k, v) in [("b", "1"), ("a", "\"x\""), ("b", "2"), ("c", "null")] {
            f.see(k, &RawValue::from_string(v.to_owned()).unwrap());
        }
        let names: Vec<String> = f.defs().into_iter().map(|d| d.name).collect();
        assert_eq!(names, ["b", "a", "c"]);
    }
}
