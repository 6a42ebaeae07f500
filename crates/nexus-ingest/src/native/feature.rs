//! One GeoJSON feature, from its bytes to a [`Raw`] row: geometry as WKB, properties as the
//! JSON text they were written in (a string `id` kept as a property, as GDAL keeps it), and
//! every property noted in the layer's fields.

use std::borrow::Cow;

use serde::de::{DeserializeSeed, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::fields::Fields;
use super::geometry;
use crate::rows::Raw;

#[derive(Deserialize)]
struct FeatureIn<'a> {
    #[serde(rename = "type", borrow, default)]
    ty: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    geometry: Option<&'a RawValue>,
    #[serde(borrow, default)]
    properties: Option<&'a RawValue>,
}

/// Why a feature cannot be read: its JSON is broken (the file is unreadable) or it is JSON
/// but not a feature as GeoJSON defines it.
#[derive(Debug)]
pub enum Bad {
    Syntax(String),
    Feature(String),
}

fn bad(e: &serde_json::Error) -> Bad {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => Bad::Syntax(e.to_string()),
        Category::Data => Bad::Feature(e.to_string()),
    }
}

/// What one feature became.
pub struct Read {
    pub raw: Raw,
    pub z_dropped: bool,
}

/// Reads feature number `n` from `bytes`.
///
/// # Errors
/// See [`Bad`].
pub fn read(n: u64, bytes: &[u8], fields: &mut Fields) -> Result<Read, Bad> {
    let f: FeatureIn<'_> = serde_json::from_slice(bytes).map_err(|e| bad(&e))?;
    match f.ty.as_deref() {
        Some("Feature") => {}
        Some(other) => return Err(Bad::Feature(format!("it is a {other}, not a Feature"))),
        None => return Err(Bad::Feature("it has no \"type\": \"Feature\"".into())),
    }
    let converted = match f.geometry {
        Some(g) => geometry::to_wkb(g).map_err(Bad::Feature)?,
        None => geometry::Converted::default(),
    };
    // GDAL keeps a string id as a field (a numeric one only numbers the feature).
    let id = f.id.filter(|id| id.get().starts_with('"'));
    if let Some(id) = id {
        fields.see("id", id);
    }
    let props = match f.properties {
        None => String::from("{}"),
        Some(p) => {
            let mut de = serde_json::Deserializer::from_str(p.get());
            let seen = Props { fields }.deserialize(&mut de).map_err(|e| match bad(&e) {
                Bad::Feature(m) => Bad::Feature(format!("its properties are not an object of values: {m}")),
                syntax => syntax,
            })?;
            storable(p.get())?;
            with_id(p.get(), id.filter(|_| !seen.id), seen.any)
        }
    };
    if let Some(id) = id {
        storable(id.get())?;
    }
    let props = match (f.properties, id) {
        (None, Some(id)) => with_id("{}", Some(id), false),
        _ => props,
    };
    Ok(Read { raw: Raw { n, wkb: converted.wkb, transform_failed: false, props }, z_dropped: converted.z_dropped })
}

/// Refuses text PostgreSQL's jsonb cannot hold, which JSON can write as an escape: the NUL
/// character (`\u0000`) and a lone surrogate (`\ud800`). Only text with `\u` is parsed again.
fn storable(raw: &str) -> Result<(), Bad> {
    if !raw.contains("\\u") {
        return Ok(());
    }
    fn has_nul(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => s.contains('\0'),
            serde_json::Value::Array(a) => a.iter().any(has_nul),
            serde_json::Value::Object(o) => o.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
            _ => false,
        }
    }
    let v: serde_json::Value = serde_json::from_str(raw)
        .map_err(|e| Bad::Feature(format!("its properties hold text that cannot be stored: {e}")))?;
    if has_nul(&v) {
        return Err(Bad::Feature("its properties hold a NUL character (\\u0000), which cannot be stored".into()));
    }
    Ok(())
}

/// The properties' text, with `"id": …` added when given.
fn with_id(props: &str, id: Option<&RawValue>, any: bool) -> String {
    let Some(id) = id else { return props.to_owned() };
    let body = props.trim_end();
    let body = &body[..body.len() - 1];
    format!("{body}{}\"id\":{}}}", if any { "," } else { "" }, id.get())
}

/// What a walk over the properties found.
struct Seen {
    /// There is at least one property.
    any: bool,
    /// One of them is `id`.
    id: bool,
}

struct Props<'f> {
    fields: &'f mut Fields,
}

#[derive(Deserialize)]
struct Key<'a>(#[serde(borrow)] Cow<'a, str>);

impl<'de> DeserializeSeed<'de> for Props<'_> {
    type Value = Seen;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Seen, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Props<'_> {
    type Value = Seen;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Seen, A::Error> {
        let mut seen = Seen { any: false, id: false };
        while let Some(Key(name)) = map.next_key::<Key<'de>>()? {
            let value: &RawValue = map.next_value()?;
            self.fields.see(&name, value);
            seen.any = true;
            seen.id |= name == "id";
        }
        Ok(seen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(json: &str) -> Result<(Raw, Fields), Bad> {
        let mut fields = Fields::default();
        let r = read(1, json.as_bytes(), &mut fields)?;
        Ok((r.raw, fields))
    }

    #[test]
    fn properties_are_kept_as_written_and_a_string_id_joins_them() {
        let (raw, fields) =
            one(r#"{"type":"Feature","id":"a1","properties":{"n":1.50,"s":"x"},"geometry":null}"#).unwrap();
        assert!(raw.wkb.is_none());
        assert_eq!(raw.props, r#"{"n":1.50,"s":"x","id":"a1"}"#);
        let names: Vec<String> = fields.defs().into_iter().map(|d| d.name).collect();
        assert_eq!(names, ["id", "n", "s"]);
        let (raw, _) = one(r#"{"type":"Feature","id":7,"properties":{},"geometry":null}"#).unwrap();
        assert_eq!(raw.props, "{}", "a numeric id only numbers the feature");
        let (raw, _) = one(r#"{"type":"Feature","id":"b","properties":{ },"geometry":null}"#).unwrap();
        assert_eq!(raw.props, r#"{ "id":"b"}"#);
        let (raw, _) = one(r#"{"type":"Feature","id":"b","geometry":null}"#).unwrap();
        assert_eq!(raw.props, r#"{"id":"b"}"#);
        let (raw, _) = one(r#"{"type":"Feature","id":"b","properties":{"id":"c"},"geometry":null}"#).unwrap();
        assert_eq!(raw.props, r#"{"id":"c"}"#, "the property wins");
        let (raw, _) = one(r#"{"properties":null,"geometry":null,"type":"Feature"}"#).unwrap();
        assert_eq!(raw.props, "{}");
    }

    #[test]
    fn what_is_not_a_feature_says_so() {
        for (json, syntax, says) in [
            (r#"{"type":"Feature","properties":[1],"geometry":null}"#, false, "not an object of values"),
            (r#"{"type":"Polygon","coordinates":[]}"#, false, "it is a Polygon, not a Feature"),
            (r#"{"properties":{}}"#, false, "no \"type\""),
            (r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[1,"a"]}}"#, false, "expected a number"),
            (r#"{"type":"Feature","geometry":null"#, true, "EOF"),
            (r#"[1,2]"#, false, "invalid type"),
            (r#"{"type":"Feature","properties":{"a":"x\u0000y"},"geometry":null}"#, false, "NUL character"),
            (r#"{"type":"Feature","properties":{"a":["\ud800"]},"geometry":null}"#, false, "cannot be stored"),
            (r#"{"type":"Feature","id":"\u0000","properties":{},"geometry":null}"#, false, "NUL character"),
        ] {
            match one(json) {
                Err(Bad::Syntax(m)) if syntax => assert!(m.contains(says), "{json}: {m}"),
                Err(Bad::Feature(m)) if !syntax => assert!(m.contains(says), "{json}: {m}"),
                Err(Bad::Syntax(m) | Bad::Feature(m)) => panic!("{json}: wrong kind: {m}"),
                Ok(_) => panic!("{json}: read"),
            }
        }
    }
}
