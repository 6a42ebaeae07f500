//! What an ingest is asked to do, from the command line, an upload, or a sidecar file.

use std::path::{Path, PathBuf};

use nexus_core::{LayerId, LayerMeta};
use nexus_store::LoadMode;
use serde::Deserialize;

use super::error::IngestError;
use super::settings::{self, SettingError};

/// Limits that protect the server from hostile archives.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most bytes an archive may expand to.
    pub max_uncompressed: u64,
    /// Highest compression ratio accepted for a large archive entry.
    pub max_ratio: u64,
    /// Most entries an archive may hold.
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_uncompressed: 8 << 30, max_ratio: 200, max_entries: 10_000 }
    }
}

/// One ingest request.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// The file to read.
    pub path: PathBuf,
    /// The name to report and record (an upload's original name); defaults to the file name.
    pub file_name: Option<String>,
    /// Target layer.
    pub layer: LayerId,
    /// Catalog metadata to set.
    pub meta: LayerMeta,
    /// Replace or append.
    pub mode: LoadMode,
    /// Coordinate system to assume (`EPSG:32647`), overriding the file's.
    pub source_crs: Option<String>,
    /// Layer inside a multi-layer file.
    pub source_layer: Option<String>,
    /// Character encoding of a shapefile's attributes (`CP874`, `TIS-620`, `UTF-8`).
    pub encoding: Option<String>,
    /// Validate and report without writing.
    pub dry_run: bool,
    /// Leave out features without geometry (listed in the report) instead of refusing.
    pub drop_empty: bool,
    /// Archive limits.
    pub limits: Limits,
    /// Who loads the file: their audit row (completed with the revisions) commits with the
    /// load, and the layer's history names them. `None` for loads by the system.
    pub audit: Option<nexus_store::AuditEntry>,
    /// Asked again under the catalog row's lock (the upload's permission, given the layer then).
    pub guard: Option<nexus_store::LoadGuard>,
}

impl IngestOptions {
    /// Options with defaults: replace mode, no metadata, default limits.
    pub fn new(path: impl Into<PathBuf>, layer: LayerId) -> Self {
        IngestOptions {
            path: path.into(),
            file_name: None,
            layer,
            meta: LayerMeta::default(),
            mode: LoadMode::Replace,
            source_crs: None,
            source_layer: None,
            encoding: None,
            dry_run: false,
            drop_empty: false,
            limits: Limits::default(),
            audit: None,
            guard: None,
        }
    }

    /// Sets `key` of the ingest from its text (see [`settings`]).
    ///
    /// # Errors
    /// An unknown key, or a value the key does not take.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), SettingError> {
        let o = self;
        if settings::set_meta(&mut o.meta, key, value)? {
            return Ok(());
        }
        let text = || Some(value.trim().to_owned());
        match key {
            "mode" => o.mode = settings::parsed(key, value)?,
            "source_crs" => o.source_crs = text(),
            "source_layer" => o.source_layer = text(),
            "encoding" => o.encoding = text(),
            "drop_empty" => o.drop_empty = settings::flag(key, value)?,
            "dry_run" => o.dry_run = settings::flag(key, value)?,
            _ => return Err(SettingError { key: key.to_owned(), problem: None }),
        }
        Ok(())
    }
}

/// A sidecar file, `<name>.nexus.toml` beside the data:
///
/// ```toml
/// id = "mae-kha-canal"
/// source_crs = "EPSG:4326"
/// [meta]
/// title = "Khlong Mae Kha"
/// kind = "waterway"
/// sectors = ["water"]
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sidecar {
    /// Layer id.
    pub id: Option<LayerId>,
    /// The data file, relative to the sidecar (default: the file with the sidecar's stem).
    pub file: Option<String>,
    /// Coordinate system to assume.
    pub source_crs: Option<String>,
    /// Layer inside the file.
    pub source_layer: Option<String>,
    /// Shapefile attribute encoding.
    pub encoding: Option<String>,
    /// Leave out features without geometry.
    pub drop_empty: Option<bool>,
    /// Catalog metadata (for every layer, when there are several).
    #[serde(default, deserialize_with = "super::settings::meta_as_text")]
    pub meta: LayerMeta,
    /// One entry per layer of a multi-layer file, each with its own id and metadata.
    #[serde(default)]
    pub layers: Vec<SidecarLayer>,
}

/// One layer of a multi-layer file, as a sidecar describes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SidecarLayer {
    /// The layer's name inside the file.
    pub source_layer: String,
    /// The Nexus Atlas layer id.
    pub id: LayerId,
    /// Metadata on top of the sidecar's own.
    #[serde(default, deserialize_with = "super::settings::meta_as_text")]
    pub meta: LayerMeta,
}

/// The sidecar path for a data file: `canals.geojson` → `canals.nexus.toml`
/// (`x.geojson.gz` → `x.nexus.toml`).
pub fn sidecar_path(data: &Path) -> PathBuf {
    let name = data.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let stem = name.split('.').next().unwrap_or(name);
    data.with_file_name(format!("{stem}.nexus.toml"))
}

/// Files that belong to another file (shapefile parts) and are never data files themselves.
const PARTS: &[&str] = &["shx", "dbf", "prj", "cpg", "qix", "sbn", "sbx", "xml", "toml"];

impl Sidecar {
    /// Reads a sidecar file.
    ///
    /// # Errors
    /// When it cannot be read or parsed.
    pub fn read(path: &Path) -> Result<Sidecar, IngestError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| IngestError::Io { path: path.to_owned(), reason: e.to_string() })?;
        toml::from_str(&text)
            .map_err(|e| IngestError::Sidecar { path: path.to_owned(), reason: e.message().trim().to_owned() })
    }

    /// The data file this sidecar (at `sidecar_path`) describes.
    ///
    /// # Errors
    /// When no file, or more than one, matches.
    pub fn data_file(&self, sidecar_path: &Path) -> Result<PathBuf, IngestError> {
        let dir = sidecar_path.parent().unwrap_or(Path::new("."));
        if let Some(f) = &self.file {
            return Ok(dir.join(f));
        }
        let name = sidecar_path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let stem = name.trim_end_matches(".nexus.toml");
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| IngestError::Io { path: dir.to_owned(), reason: e.to_string() })?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let n = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                let ext = n.rsplit('.').next().unwrap_or_default().to_ascii_lowercase();
                n.split('.').next() == Some(stem) && !PARTS.contains(&ext.as_str()) && p.is_file()
            })
            .collect();
        found.sort();
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(IngestError::Sidecar {
                path: sidecar_path.to_owned(),
                reason: format!("no data file named {stem}.* beside it"),
            }),
            _ => Err(IngestError::Sidecar {
                path: sidecar_path.to_owned(),
                reason: format!(
                    "several data files match ({}); name one with file = \"...\"",
                    found.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
                ),
            }),
        }
    }

    /// The ingests this sidecar asks for on `data`: one per listed layer, or one for `id`
    /// (`fallback_id` when the sidecar names none).
    ///
    /// # Errors
    /// When no layer id is known.
    pub fn plan(&self, data: &Path, fallback_id: Option<&LayerId>) -> Result<Vec<IngestOptions>, IngestError> {
        let base = |id: LayerId| {
            let mut o = IngestOptions::new(data, id);
            o.meta = self.meta.clone();
            o.source_crs.clone_from(&self.source_crs);
            o.source_layer.clone_from(&self.source_layer);
            o.encoding.clone_from(&self.encoding);
            o.drop_empty = self.drop_empty.unwrap_or(false);
            o
        };
        if !self.layers.is_empty() {
            return Ok(self
                .layers
                .iter()
                .map(|l| {
                    let mut o = base(l.id.clone());
                    o.source_layer = Some(l.source_layer.clone());
                    o.meta = self.meta.clone().overlay(l.meta.clone());
                    o
                })
                .collect());
        }
        let id = fallback_id.cloned().or_else(|| self.id.clone()).ok_or_else(|| IngestError::Sidecar {
            path: sidecar_path(data),
            reason: "it gives no layer id (id = \"...\") and none was named".into(),
        })?;
        Ok(vec![base(id)])
    }

    /// Reads the sidecar of `data`, if there is one.
    ///
    /// # Errors
    /// When the sidecar exists but cannot be read or parsed.
    pub fn for_file(data: &Path) -> Result<Option<Sidecar>, IngestError> {
        let path = sidecar_path(data);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(IngestError::Io { path, reason: e.to_string() }),
        };
        toml::from_str(&text)
            .map(Some)
            .map_err(|e| IngestError::Sidecar { path, reason: e.message().trim().to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecar_names_follow_the_data_file() {
        assert_eq!(sidecar_path(Path::new("data/canals.geojson")), PathBuf::from("data/canals.nexus.toml"));
        assert_eq!(sidecar_path(Path::new("x/villages.geojson.gz")), PathBuf::from("x/villages.nexus.toml"));
    }

    #[test]
    fn sidecars_parse_and_refuse_typos() {
        let s: Sidecar = toml::from_str("id = \"canals\"\n[meta]\nkind = \"waterway\"\nsectors = [\"water\"]").unwrap();
        assert_eq!(s.id.unwrap().as_str(), "canals");
        assert_eq!(s.meta.sectors.unwrap().len(), 1);
        assert!(toml::from_str::<Sidecar>("idd = \"x\"").is_err());
        assert!(toml::from_str::<Sidecar>("[meta]\ntitel = \"x\"").is_err());
    }
}

#[cfg(test)]
mod settings_tests {
    use super::*;
    use crate::gis::settings::keys;
    use nexus_core::{LayerId, LayerKind, Sector, Visibility};

    fn options() -> IngestOptions {
        IngestOptions::new("x.geojson", LayerId::new("x").unwrap())
    }

    #[test]
    fn every_key_is_taken_and_bad_values_name_the_key() {
        let mut o = options();
        for key in keys() {
            let value = match key {
                "kind" => "waterway",
                "sectors" => "water, energy",
                "city" => "chiang-mai",
                "visibility" => "public",
                "mode" => "append",
                "approximate" | "basemap" | "drop_empty" | "dry_run" => "yes",
                "minzoom" | "maxzoom" | "cache_max_age" => "7",
                _ => "text",
            };
            o.set(key, value).unwrap_or_else(|e| panic!("{key}: {e}"));
        }
        assert_eq!(o.meta.kind, Some(LayerKind::Waterway));
        assert_eq!(o.meta.sectors, Some(vec![Sector::Water, Sector::Energy]));
        assert_eq!(o.meta.visibility, Some(Visibility::Public));
        assert_eq!((o.meta.minzoom, o.meta.cache_max_age), (Some(7), Some(7)));
        assert!(o.drop_empty && o.dry_run && o.meta.approximate == Some(true) && o.meta.basemap == Some(true));
        assert_eq!(o.mode, nexus_store::LoadMode::Append);
        assert_eq!(o.source_crs.as_deref(), Some("text"));

        let err = o.set("drop_empty", "maybe").unwrap_err();
        assert_eq!(err.to_string(), "'drop_empty': must be true or false, not 'maybe'");
        assert!(o.set("kind", "castle").unwrap_err().to_string().starts_with("'kind': "));
        assert!(o.set("minzoom", "-1").unwrap_err().to_string().starts_with("'minzoom': "));
        let err = o.set("colour", "red").unwrap_err();
        assert!(err.to_string().starts_with("'colour' is not a setting; the settings are title, "), "{err}");
        assert!(o.set("license", "CC-BY-4.0").is_ok() && o.meta.licence.as_deref() == Some("CC-BY-4.0"));
    }
}
