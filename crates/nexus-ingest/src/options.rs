//! What an ingest is asked to do, from the command line, an upload, or a sidecar file.

use std::path::{Path, PathBuf};

use nexus_core::{LayerId, LayerMeta};
use nexus_store::LoadMode;
use serde::Deserialize;

use crate::error::IngestError;

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
        }
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
    /// Coordinate system to assume.
    pub source_crs: Option<String>,
    /// Layer inside the file.
    pub source_layer: Option<String>,
    /// Shapefile attribute encoding.
    pub encoding: Option<String>,
    /// Leave out features without geometry.
    pub drop_empty: Option<bool>,
    /// Catalog metadata.
    #[serde(default)]
    pub meta: LayerMeta,
}

/// The sidecar path for a data file: `canals.geojson` → `canals.nexus.toml`
/// (`x.geojson.gz` → `x.nexus.toml`).
pub fn sidecar_path(data: &Path) -> PathBuf {
    let name = data.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let stem = name.split('.').next().unwrap_or(name);
    data.with_file_name(format!("{stem}.nexus.toml"))
}

impl Sidecar {
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
