//! The blocking half of an ingest: GDAL opens the file and reads it feature by feature on
//! one thread, checking and converting each feature, and sends batches of ready rows to the
//! async writer through a bounded channel (so memory does not grow with the file).

use gdal::vector::LayerAccess;
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use nexus_core::GeometryFamily;
use tokio::sync::mpsc;

use nexus_service::gis::IngestError;

use crate::native;
use crate::props::Schema;
use crate::rows::{Opened, Raw, RawMsg, RawOutcome, ReadOptions, BATCH_BYTES, BATCH_ROWS};
use crate::source::Source;
use crate::{crs, gdal_errors};

/// Opens the file with the format's own driver (a `.geojson` that is really something else
/// is refused rather than guessed at).
pub fn open(source: &Source) -> Result<Dataset, IngestError> {
    gdal_errors::install()?;
    gdal_errors::clear();
    let opts: Vec<&str> = source.open_options.iter().map(String::as_str).collect();
    Dataset::open_ex(
        &source.gdal_path,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
            allowed_drivers: Some(crate::formats::drivers(source.format)),
            open_options: if opts.is_empty() { None } else { Some(&opts) },
            sibling_files: None,
        },
    )
    .map_err(|e| {
        let said = gdal_errors::take();
        IngestError::Unreadable {
            file: source.file_name.clone(),
            format: source.format.name(),
            reason: if said.is_empty() { e.to_string() } else { said.join("; ") },
        }
    })
}

/// Names of the layers in the file.
pub fn layer_names(source: &Source) -> Result<Vec<String>, IngestError> {
    let ds = open(&crate::source::for_gdal(source)?)?;
    Ok(ds.layers().map(|l| l.name()).collect())
}

fn family_of_declared(ty: u32) -> Option<GeometryFamily> {
    use gdal_sys::OGRwkbGeometryType as T;
    match gdal::vector::geometry_type_flatten(ty) {
        T::wkbPoint | T::wkbMultiPoint => Some(GeometryFamily::Point),
        T::wkbLineString | T::wkbMultiLineString => Some(GeometryFamily::Line),
        T::wkbPolygon | T::wkbMultiPolygon => Some(GeometryFamily::Polygon),
        _ => None,
    }
}

/// Thread A: opens the file, reads every feature of the chosen layer, reprojects and
/// encodes it, and sends batches to the checker. Returns on a read failure (corrupt data)
/// with the error naming the feature.
pub fn read(source: &Source, opts: &ReadOptions, tx: &mpsc::Sender<RawMsg>) -> Result<RawOutcome, IngestError> {
    if let Some(out) = native::choose::read(source, tx)? {
        return Ok(out);
    }
    let source = &crate::source::for_gdal(source)?;
    let ds = open(source)?;
    let names: Vec<String> = ds.layers().map(|l| l.name()).collect();
    let idx = choose_layer(source, &names, opts)?;
    let mut layer = ds.layer(idx).map_err(|e| IngestError::Task(e.to_string()))?;
    if layer.defn().geom_fields().count() == 0 {
        return Err(IngestError::Unreadable {
            file: source.file_name.clone(),
            format: source.format.name(),
            reason: "it has no geometry (a CSV needs lon/lat columns or a WKT column)".into(),
        });
    }
    let open_failures = gdal_errors::take();
    let (src, transform) = crs::coordinate_systems(source, opts.source_crs.as_ref(), &layer, &open_failures)?;
    let mut out = RawOutcome {
        crs: crs::label(&src),
        declared: family_of_declared(layer.defn().geometry_type()),
        ..RawOutcome::default()
    };
    gdal_errors::clear();
    let mut schema = Schema::of(layer.defn());
    let stopped = || IngestError::Task("the writer stopped".into());
    tx.blocking_send(RawMsg::Opened(Opened {
        total: layer.try_feature_count(),
        source_layer: names[idx].clone(),
        source_crs: out.crs.clone(),
        declared: out.declared,
    }))
    .map_err(|_| stopped())?;

    let mut batch: Vec<Raw> = Vec::with_capacity(BATCH_ROWS);
    let mut batch_bytes = 0usize;
    for feature in layer.features() {
        out.read += 1;
        let n = out.read;
        let read_errors = gdal_errors::take();
        if !read_errors.is_empty() {
            return Err(IngestError::Read {
                file: source.file_name.clone(),
                feature: n,
                reason: read_errors.join("; "),
            });
        }
        let mut transform_failed = false;
        let wkb = match feature.geometry().filter(|g| !g.is_empty()) {
            None => None,
            Some(g) => {
                let ty = g.geometry_type();
                let flat = gdal::vector::geometry_type_has_z(ty) || gdal::vector::geometry_type_has_m(ty);
                if flat || transform.is_some() {
                    let mut c = g.clone();
                    if flat {
                        c.flatten_to_2d();
                        out.z_dropped = true;
                    }
                    if let Some(t) = &transform {
                        transform_failed = c.transform_inplace(t).is_err();
                    }
                    if transform_failed {
                        Some(Vec::new())
                    } else {
                        c.wkb().ok()
                    }
                } else {
                    g.wkb().ok()
                }
            }
        };
        gdal_errors::clear();
        batch_bytes += wkb.as_ref().map_or(0, Vec::len);
        batch.push(Raw { n, wkb, transform_failed, props: schema.properties(&feature) });
        if batch.len() >= BATCH_ROWS || batch_bytes >= BATCH_BYTES {
            tx.blocking_send(RawMsg::Rows(std::mem::take(&mut batch))).map_err(|_| stopped())?;
            batch_bytes = 0;
        }
    }
    let trailing = gdal_errors::take();
    if !trailing.is_empty() {
        return Err(IngestError::Read {
            file: source.file_name.clone(),
            feature: out.read + 1,
            reason: trailing.join("; "),
        });
    }
    if !batch.is_empty() {
        tx.blocking_send(RawMsg::Rows(batch)).map_err(|_| stopped())?;
    }
    out.fields = schema.refined_fields();
    Ok(out)
}

/// The layer of the file to read: the one asked for, or the only one.
fn choose_layer(source: &Source, names: &[String], opts: &ReadOptions) -> Result<usize, IngestError> {
    Ok(match (&opts.source_layer, names.len()) {
        (Some(want), _) => names.iter().position(|n| n == want).ok_or_else(|| IngestError::Layer {
            file: source.file_name.clone(),
            problem: format!("has no layer '{want}'"),
            available: names.join(", "),
        })?,
        (None, 1) => 0,
        (None, 0) => {
            return Err(IngestError::Unreadable {
                file: source.file_name.clone(),
                format: source.format.name(),
                reason: "it holds no layer".into(),
            })
        }
        (None, n) => {
            return Err(IngestError::Layer {
                file: source.file_name.clone(),
                problem: format!("has {n} layers"),
                available: names.join(", "),
            })
        }
    })
}
