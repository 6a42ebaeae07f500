//! A PMTiles archive of public layers: every tile of zooms up to `--maxzoom` that holds a
//! feature, one MVT layer per atlas layer (as the live composite source `/tiles/a,b/…`
//! serves them), gzip-compressed, identical tiles stored once, read by any PMTiles client
//! (MapLibre's `pmtiles://` protocol, GDAL, the `pmtiles` tools) from a static host.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use nexus_core::{Layer, LayerId};
use nexus_store::Store;
use pmtiles::{PmTilesWriter, TileCoord, TileId, TileType};
use serde_json::json;

use super::spool::Spool;
use super::SnapshotError;
use crate::tiles::describe;
use crate::tiles::prerender::TOLERANCE;

/// Deepest zoom an archive may hold (MapLibre overzooms beyond it).
pub const MAX_ARCHIVE_ZOOM: u8 = 18;

/// What went into an archive.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchiveReport {
    /// Tiles a reader can ask for (each holding one or more layers).
    pub tiles: u64,
    /// Distinct tile contents stored (identical tiles, such as the inside of a large
    /// polygon, are stored once).
    pub stored: u64,
    /// Zooms the archive holds.
    pub minzoom: u8,
    /// See `minzoom`.
    pub maxzoom: u8,
    /// Bytes of the archive.
    pub bytes: u64,
    /// Each layer's tiles, in the archive's layer order.
    pub layers: Vec<LayerTiles>,
}

/// One layer's part of an archive.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerTiles {
    /// The layer.
    pub id: LayerId,
    /// Tiles of the layer's own that hold a feature.
    pub tiles: u64,
    /// Time its tiles took PostGIS.
    pub elapsed: Duration,
}

/// The zooms of `layer` an archive up to `maxzoom` holds; `None` when none.
fn zooms(layer: &Layer, maxzoom: u8) -> Option<std::ops::RangeInclusive<u8>> {
    let top = layer.maxzoom.min(maxzoom);
    (layer.feature_count > 0 && layer.bounds.is_some() && layer.minzoom <= top).then_some(layer.minzoom..=top)
}

/// Renders `layers` (public ones: the caller chose them) into a PMTiles archive at `output`,
/// written beside it under a temporary name and renamed when complete, so a failed export
/// leaves any earlier archive as it was. `done` hears of each layer as it is rendered.
///
/// # Errors
/// When the database fails or a file cannot be written.
pub async fn write_pmtiles(
    store: &Store,
    layers: &[Layer],
    maxzoom: u8,
    output: &Path,
    done: &mut (dyn FnMut(&LayerTiles) + Send),
) -> Result<ArchiveReport, SnapshotError> {
    let dir = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let io = |what: &'static str| move |e: std::io::Error| SnapshotError::Io { what, path: dir.to_owned(), source: e };
    let mut spool = Spool::new_in(dir).map_err(io("spool tiles in"))?;
    let mut parts = Vec::with_capacity(layers.len());
    for (i, layer) in layers.iter().enumerate() {
        let order = u16::try_from(i).map_err(|_| SnapshotError::Invalid("more than 65,535 layers".into()))?;
        let part = spool_layer(store, layer, order, maxzoom, (&mut spool, dir)).await?;
        done(&part);
        parts.push(part);
    }
    let used: Vec<&Layer> = layers.iter().filter(|l| zooms(l, maxzoom).is_some()).collect();
    if used.is_empty() {
        return Err(SnapshotError::Invalid(format!(
            "none of the layers has a feature at zooms 0–{maxzoom}; there is nothing to export"
        )));
    }
    let minzoom = used.iter().map(|l| l.minzoom).min().unwrap_or(0);
    let top = used.iter().filter_map(|l| zooms(l, maxzoom).map(|r| *r.end())).max().unwrap_or(maxzoom);
    let b = describe::bounds(used.iter().copied()).unwrap_or([-180.0, -85.0, 180.0, 85.0]);
    let mut out = tempfile::Builder::new()
        .prefix(".nexus-export-")
        .suffix(".pmtiles")
        .tempfile_in(dir)
        .map_err(io("create the archive in"))?;
    let mut writer = PmTilesWriter::new(TileType::Mvt)
        .min_zoom(minzoom)
        .max_zoom(top)
        .bounds(b[0], b[1], b[2], b[3])
        .center((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0)
        .center_zoom(minzoom.max(2).min(top))
        .metadata(&metadata(&used, minzoom, top).to_string())
        .create(out.as_file_mut())
        .map_err(SnapshotError::archive)?;
    let (mut tiles, mut contents) = (0u64, HashSet::new());
    for tile in spool.into_tiles().map_err(io("read the spooled tiles in"))? {
        let (id, mvt) = tile.map_err(io("read the spooled tiles in"))?;
        contents.insert(xxhash_rust::xxh3::xxh3_64(&mvt));
        let coord: TileCoord = TileId::new(id).map_err(SnapshotError::archive)?.into();
        writer.add_tile(coord, &mvt).map_err(SnapshotError::archive)?;
        tiles += 1;
    }
    writer.finalize().map_err(SnapshotError::archive)?;
    out.as_file().sync_all().map_err(io("write the archive in"))?;
    // A temporary file is its owner's alone; the archive is for a web server to read.
    {
        use std::os::unix::fs::PermissionsExt;
        let open = std::fs::Permissions::from_mode(0o644);
        out.as_file().set_permissions(open).map_err(io("open up the archive in"))?;
    }
    let bytes = out.as_file().metadata().map_err(io("write the archive in"))?.len();
    out.persist(output).map_err(|e| SnapshotError::Io {
        what: "rename the archive to",
        path: output.to_owned(),
        source: e.error,
    })?;
    Ok(ArchiveReport { tiles, stored: contents.len() as u64, minzoom, maxzoom: top, bytes, layers: parts })
}

/// Renders one layer's zooms into the spool, deepest first (each zoom simplifies the one
/// below it further, as pre-rendering does).
async fn spool_layer(
    store: &Store,
    layer: &Layer,
    order: u16,
    maxzoom: u8,
    (spool, dir): (&mut Spool, &Path),
) -> Result<LayerTiles, SnapshotError> {
    let started = Instant::now();
    let before = spool.len();
    if let Some(range) = zooms(layer, maxzoom) {
        let mut reader = store.prerender_reader(&layer.id).await?;
        for z in range.rev() {
            let rows = reader.zoom(z, TOLERANCE).await?;
            let mut rows = std::pin::pin!(rows);
            while let Some(row) = rows.next().await {
                let (x, y, mvt) = row?;
                let id = TileId::from(TileCoord::new(z, x, y).map_err(SnapshotError::archive)?);
                spool.push(id.value(), order, &mvt).map_err(|e| SnapshotError::Io {
                    what: "spool tiles in",
                    path: dir.to_owned(),
                    source: e,
                })?;
            }
        }
    }
    Ok(LayerTiles { id: layer.id.clone(), tiles: (spool.len() - before) as u64, elapsed: started.elapsed() })
}

/// The archive's metadata: TileJSON's description of the layers (`vector_layers` as the live
/// TileJSON has them, and `tilestats` as tippecanoe writes them), and where and when it came
/// from.
fn metadata(layers: &[&Layer], minzoom: u8, maxzoom: u8) -> serde_json::Value {
    let mut doc = json!({
        "name": "Nexus Atlas",
        "description": layers.iter().map(|l| l.title.as_str()).collect::<Vec<_>>().join(" + "),
        "type": "overlay",
        "format": "pbf",
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "vector_layers": layers.iter().map(|l| describe::vector_layer(l)).collect::<Vec<_>>(),
        "tilestats": describe::tile_stats(layers.iter().copied()),
        "generator": format!("nexus-atlas {}", env!("CARGO_PKG_VERSION")),
        "nexus": {
            "exported_at": time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            "layers": layers.iter().map(|l| json!({
                "id": l.id, "title": l.title, "title_local": l.title_local, "city": l.city,
                "kind": l.kind, "basemap": l.basemap, "revision": l.revision,
                "licence": l.licence, "source": l.source,
            })).collect::<Vec<_>>(),
        },
    });
    if let Some(a) = describe::attribution(layers.iter().copied()) {
        doc["attribution"] = json!(a);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(minzoom: u8, maxzoom: u8, feature_count: i64) -> Layer {
        let now = time::OffsetDateTime::now_utc();
        Layer {
            id: LayerId::new("canals").unwrap(),
            title: "Canals".into(),
            title_local: None,
            description: None,
            kind: nexus_core::LayerKind::Waterway,
            sectors: vec![],
            city: None,
            source: None,
            licence: None,
            attribution: None,
            approximate: false,
            basemap: false,
            visibility: nexus_core::Visibility::Public,
            geometry_type: None,
            bounds: Some([98.9, 18.7, 99.0, 18.8]),
            fields: vec![],
            feature_count,
            revision: 3,
            minzoom,
            maxzoom,
            edit_base: 3,
            prerendered_revision: None,
            prerendered_maxzoom: None,
            cache_max_age: 60,
            popup_fields: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn the_metadata_names_each_layers_geometry_for_gdal() {
        let mut canals = layer(0, 22, 5);
        canals.geometry_type = Some(nexus_core::GeometryFamily::Line);
        canals.fields = vec![nexus_core::FieldDef { name: "width_m".into(), ty: nexus_core::FieldType::Number }];
        let mut plain = layer(0, 22, 2);
        plain.id = LayerId::new("plain").unwrap();
        let doc = metadata(&[&canals, &plain], 0, 12);
        let stats = &doc["tilestats"];
        assert_eq!(stats["layerCount"], 2);
        assert_eq!(stats["layers"][0]["layer"], "canals");
        assert_eq!(stats["layers"][0]["geometry"], "LineString");
        assert_eq!(stats["layers"][0]["count"], 5);
        assert_eq!(stats["layers"][0]["attributes"], json!([{ "attribute": "width_m", "type": "number" }]));
        assert!(stats["layers"][1].get("geometry").is_none(), "an unknown family is left out, not guessed");
    }

    #[test]
    fn a_layer_gives_the_zooms_both_it_and_the_archive_reach() {
        assert_eq!(zooms(&layer(0, 22, 5), 12), Some(0..=12));
        assert_eq!(zooms(&layer(5, 8, 5), 12), Some(5..=8));
        assert_eq!(zooms(&layer(13, 22, 5), 12), None);
        assert_eq!(zooms(&layer(0, 22, 0), 12), None, "no features, no tiles");
    }
}
