//! Layers: the catalog entry a user describes, and the schema of a layer's properties.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::enums::{GeometryFamily, LayerKind, Sector, Visibility};
use crate::ids::{CitySlug, LayerId};

/// What a user may say about a layer. Every field is optional so that a description can be
/// layered: sidecar file, then command line; `None` means "keep what the catalog has" (or
/// the default, for a new layer).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerMeta {
    /// Human title.
    pub title: Option<String>,
    /// The title in the city's language (Thai for Chiang Mai), shown when the map is.
    #[serde(default)]
    pub title_local: Option<String>,
    /// Longer description.
    pub description: Option<String>,
    /// What the features are.
    pub kind: Option<LayerKind>,
    /// Sectors the layer belongs to.
    pub sectors: Option<Vec<Sector>>,
    /// The city it covers, if one.
    pub city: Option<CitySlug>,
    /// Where the data comes from.
    pub source: Option<String>,
    /// Its licence (`ODbL-1.0`, `CC-BY-4.0`, …).
    pub licence: Option<String>,
    /// Attribution line shown on the map.
    pub attribution: Option<String>,
    /// True when positions are illustrative rather than surveyed.
    pub approximate: Option<bool>,
    /// Part of the base map: drawn beneath every other layer, never an input of the Nexus
    /// overlays (its features are context, not things planned).
    #[serde(default)]
    pub basemap: Option<bool>,
    /// Who may see it.
    pub visibility: Option<Visibility>,
    /// Lowest zoom at which tiles carry it.
    pub minzoom: Option<u8>,
    /// Highest zoom at which tiles carry it.
    pub maxzoom: Option<u8>,
    /// `Cache-Control: max-age` of its tiles when requested without a revision, in seconds.
    pub cache_max_age: Option<u32>,
    /// The fields a click on a feature shows, in this order (all, when unset).
    #[serde(default)]
    pub popup_fields: Option<Vec<String>>,
}

impl LayerMeta {
    /// `self` with every field that `over` sets replaced by `over`'s value.
    #[must_use]
    pub fn overlay(self, over: LayerMeta) -> LayerMeta {
        LayerMeta {
            title: over.title.or(self.title),
            title_local: over.title_local.or(self.title_local),
            description: over.description.or(self.description),
            kind: over.kind.or(self.kind),
            sectors: over.sectors.or(self.sectors),
            city: over.city.or(self.city),
            source: over.source.or(self.source),
            licence: over.licence.or(self.licence),
            attribution: over.attribution.or(self.attribution),
            approximate: over.approximate.or(self.approximate),
            basemap: over.basemap.or(self.basemap),
            visibility: over.visibility.or(self.visibility),
            minzoom: over.minzoom.or(self.minzoom),
            maxzoom: over.maxzoom.or(self.maxzoom),
            cache_max_age: over.cache_max_age.or(self.cache_max_age),
            popup_fields: over.popup_fields.or(self.popup_fields),
        }
    }
}

impl LayerMeta {
    /// Whether `layer` already has every value this description sets.
    pub fn is_satisfied_by(&self, layer: &Layer) -> bool {
        fn same<T: PartialEq>(want: Option<&T>, have: &T) -> bool {
            want.is_none_or(|w| w == have)
        }
        same(self.title.as_ref(), &layer.title)
            && self.title_local.as_ref().is_none_or(|v| layer.title_local.as_ref() == Some(v))
            && self.description.as_ref().is_none_or(|d| layer.description.as_ref() == Some(d))
            && same(self.kind.as_ref(), &layer.kind)
            && same(self.sectors.as_ref(), &layer.sectors)
            && self.city.as_ref().is_none_or(|c| layer.city.as_ref() == Some(c))
            && self.source.as_ref().is_none_or(|v| layer.source.as_ref() == Some(v))
            && self.licence.as_ref().is_none_or(|v| layer.licence.as_ref() == Some(v))
            && self.attribution.as_ref().is_none_or(|v| layer.attribution.as_ref() == Some(v))
            && same(self.approximate.as_ref(), &layer.approximate)
            && same(self.basemap.as_ref(), &layer.basemap)
            && same(self.visibility.as_ref(), &layer.visibility)
            && same(self.minzoom.as_ref(), &layer.minzoom)
            && same(self.maxzoom.as_ref(), &layer.maxzoom)
            && same(self.cache_max_age.as_ref(), &layer.cache_max_age)
            && self.popup_fields.as_ref().is_none_or(|v| layer.popup_fields.as_ref() == Some(v))
    }
}

/// The type of a property, as exposed in TileJSON `vector_layers` and OGC API schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Whole number.
    Integer,
    /// Floating-point number.
    Number,
    /// Text.
    String,
    /// true/false.
    Boolean,
    /// Calendar date (`2024-03-17`).
    Date,
    /// Date and time (RFC 3339).
    DateTime,
    /// Time of day.
    Time,
    /// A list of values.
    Array,
    /// Nested JSON.
    Object,
}

/// A property name and its type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct FieldDef {
    /// Property name as in the source.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub ty: FieldType,
}

/// A layer as the catalog holds it (and as `GET /api/layers` lists it).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Layer {
    /// Identifier (also the URL word and tile source id).
    #[ts(type = "string")]
    pub id: LayerId,
    /// Title.
    pub title: String,
    /// Title in the city's language.
    pub title_local: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Kind.
    #[ts(type = "LayerKind")]
    pub kind: LayerKind,
    /// Sectors.
    #[ts(type = "Sector[]")]
    pub sectors: Vec<Sector>,
    /// City.
    #[ts(type = "string | null")]
    pub city: Option<CitySlug>,
    /// Source.
    pub source: Option<String>,
    /// Licence.
    pub licence: Option<String>,
    /// Attribution.
    pub attribution: Option<String>,
    /// Approximate positions.
    pub approximate: bool,
    /// Part of the base map (see [`LayerMeta::basemap`]).
    pub basemap: bool,
    /// Visibility.
    #[ts(type = "Visibility")]
    pub visibility: Visibility,
    /// Geometry family, once data arrived.
    #[ts(type = "GeometryFamily | null")]
    pub geometry_type: Option<GeometryFamily>,
    /// `[west, south, east, north]`, once data arrived.
    pub bounds: Option<[f64; 4]>,
    /// Property schema.
    pub fields: Vec<FieldDef>,
    /// Number of features.
    pub feature_count: i64,
    /// Bumped by every change of the data.
    pub revision: i64,
    /// Lowest zoom served.
    pub minzoom: u8,
    /// Highest zoom served.
    pub maxzoom: u8,
    /// The revision of the last change to the layer as a whole: every later revision was one
    /// feature edit, which redraws only the tiles that feature touches.
    #[serde(skip)]
    pub edit_base: i64,
    /// The revision whose low-zoom tiles are pre-rendered, if any.
    pub prerendered_revision: Option<i64>,
    /// The deepest pre-rendered zoom of that revision.
    pub prerendered_maxzoom: Option<u8>,
    /// `Cache-Control: max-age` for tile URLs without a revision, in seconds.
    pub cache_max_age: u32,
    /// The fields a click on a feature shows, in this order (all, when unset).
    pub popup_fields: Option<Vec<String>>,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub updated_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_prefers_the_upper_layer() {
        let sidecar =
            LayerMeta { title: Some("Canals".into()), kind: Some(LayerKind::Waterway), ..LayerMeta::default() };
        let cli =
            LayerMeta { title: Some("Mae Kha".into()), visibility: Some(Visibility::Public), ..LayerMeta::default() };
        let m = sidecar.overlay(cli);
        assert_eq!(m.title.as_deref(), Some("Mae Kha"));
        assert_eq!(m.kind, Some(LayerKind::Waterway));
        assert_eq!(m.visibility, Some(Visibility::Public));
    }

    #[test]
    fn meta_parses_from_toml_like_json_and_refuses_unknown_keys() {
        let m: LayerMeta =
            serde_json::from_str(r#"{"kind":"waste_site","sectors":["waste"],"city":"tanjungpinang"}"#).unwrap();
        assert_eq!(m.sectors, Some(vec![Sector::Waste]));
        assert!(serde_json::from_str::<LayerMeta>(r#"{"titel":"x"}"#).is_err());
        assert!(serde_json::from_str::<LayerMeta>(r#"{"kind":"landfill"}"#).is_err());
    }
}
