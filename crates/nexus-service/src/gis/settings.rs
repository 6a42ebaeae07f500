//! An ingest's settings as text: one vocabulary and one parser for the three places they come
//! from, an upload's form fields, a sidecar's `[meta]` keys and `nexus ingest`'s flags
//! (`--source-crs` is `source_crs`). Each says a wrong value the same way wherever it came from.

use std::str::FromStr;

use nexus_core::LayerMeta;

/// The catalog metadata keys (a sidecar's `[meta]` table takes these).
pub const META_KEYS: &[&str] = &[
    "title",
    "title_local",
    "description",
    "kind",
    "sectors",
    "city",
    "source",
    "licence",
    "attribution",
    "popup_fields",
    "approximate",
    "basemap",
    "visibility",
    "minzoom",
    "maxzoom",
    "cache_max_age",
];

/// The keys about reading the file rather than describing the layer.
const LOAD_KEYS: &[&str] = &["mode", "source_crs", "source_layer", "encoding", "drop_empty", "dry_run"];

/// Every key, as the form and the sidecar spell it (the command's flags use `-` for `_`).
pub fn keys() -> impl Iterator<Item = &'static str> {
    META_KEYS.iter().chain(LOAD_KEYS).copied()
}

/// `keys()` as a list for messages.
pub fn key_list() -> String {
    keys().collect::<Vec<_>>().join(", ")
}

/// A setting that cannot be taken, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingError {
    /// The key as given.
    pub key: String,
    /// What is wrong with its value (empty for an unknown key).
    pub problem: Option<String>,
}

impl std::fmt::Display for SettingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.problem {
            Some(p) => write!(f, "'{}': {p}", self.key.escape_default()),
            None => write!(f, "'{}' is not a setting; the settings are {}", self.key.escape_default(), key_list()),
        }
    }
}

pub(super) fn parsed<T: FromStr>(key: &str, v: &str) -> Result<T, SettingError>
where
    T::Err: std::fmt::Display,
{
    v.trim().parse().map_err(|e: T::Err| SettingError { key: key.to_owned(), problem: Some(e.to_string()) })
}

pub(super) fn flag(key: &str, v: &str) -> Result<bool, SettingError> {
    match v.trim() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        other => {
            Err(SettingError { key: key.to_owned(), problem: Some(format!("must be true or false, not '{other}'")) })
        }
    }
}

fn list(v: &str) -> Vec<&str> {
    v.split(',').map(str::trim).filter(|s| !s.is_empty()).collect()
}

/// Sets the catalog metadata `key` from its text; false when `key` is not metadata.
///
/// # Errors
/// When the value is not one the key takes.
pub fn set_meta(meta: &mut LayerMeta, key: &str, value: &str) -> Result<bool, SettingError> {
    let text = || Some(value.trim().to_owned());
    match key {
        "title" => meta.title = text(),
        "title_local" => meta.title_local = text(),
        "description" => meta.description = text(),
        "source" => meta.source = text(),
        "licence" | "license" => meta.licence = text(),
        "attribution" => meta.attribution = text(),
        "kind" => meta.kind = Some(parsed(key, value)?),
        "sectors" | "sector" => {
            meta.sectors = Some(list(value).into_iter().map(|s| parsed(key, s)).collect::<Result<_, _>>()?);
        }
        "city" => meta.city = Some(parsed(key, value)?),
        "popup_fields" => {
            let names: Vec<String> = list(value).into_iter().map(str::to_owned).collect();
            meta.popup_fields = (!names.is_empty()).then_some(names);
        }
        "approximate" => meta.approximate = Some(flag(key, value)?),
        "basemap" => meta.basemap = Some(flag(key, value)?),
        "visibility" => meta.visibility = Some(parsed(key, value)?),
        "minzoom" => meta.minzoom = Some(parsed(key, value)?),
        "maxzoom" => meta.maxzoom = Some(parsed(key, value)?),
        "cache_max_age" => meta.cache_max_age = Some(parsed(key, value)?),
        _ => return Ok(false),
    }
    Ok(true)
}

/// A `[meta]` table read key by key through [`set_meta`], the parser the
/// upload form and the command's flags use, so a value means the same wherever it is written.
pub(super) fn meta_as_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<LayerMeta, D::Error> {
    use serde::de::Error;
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Given {
        Text(String),
        Flag(bool),
        Number(i64),
        List(Vec<String>),
    }
    let table = <std::collections::BTreeMap<String, Given> as serde::Deserialize>::deserialize(d)?;
    let mut meta = LayerMeta::default();
    for (key, value) in table {
        let text = match value {
            Given::Text(t) => t,
            Given::Flag(b) => b.to_string(),
            Given::Number(n) => n.to_string(),
            Given::List(l) => l.join(","),
        };
        if !set_meta(&mut meta, &key, &text).map_err(D::Error::custom)? {
            return Err(D::Error::custom(format!(
                "unknown field `{}` in meta; the metadata keys are {}",
                key.escape_default(),
                META_KEYS.join(", ")
            )));
        }
    }
    Ok(meta)
}
