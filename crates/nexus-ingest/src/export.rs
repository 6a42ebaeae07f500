//! Exports through GDAL: the formats other than GeoJSON are made by an in-process ogr2ogr
//! from the GeoJSON the service staged (`nexus_service::gis::export`), with the details each
//! format needs: a UTF-8 `.cpg`, a `.prj` and a list of renamed fields for
//! shapefiles (zipped), WKT for CSV.

use std::io::Write;
use std::path::Path;

use gdal::vector::LayerAccess;
use nexus_core::ExportFormat;
use nexus_service::gis::{Conversion, IngestError};
use nexus_store::temp_beside;

use crate::ffi;
use crate::gdal_errors;

/// Copies `from` to `dest` through a temporary file beside it.
fn install(from: &Path, dest: &Path) -> Result<(), IngestError> {
    let io = |e: std::io::Error| IngestError::Io { path: dest.to_owned(), reason: e.to_string() };
    let mut tmp = temp_beside(dest)?;
    std::io::copy(&mut std::fs::File::open(from).map_err(io)?, tmp.as_file_mut()).map_err(io)?;
    tmp.persist(dest).map_err(|e| io(e.error))?;
    Ok(())
}

/// Converts a staged GeoJSON file as `job` says, through an in-process ogr2ogr.
pub(crate) fn translate(job: Conversion<'_>, progress: &dyn Fn(f64)) -> Result<u64, IngestError> {
    let Conversion { staging, work, name, format, dest } = job;
    gdal_errors::install()?;
    gdal_errors::clear();
    let fail = |reason: String| IngestError::Io { path: dest.to_owned(), reason };
    // CSV and KML have no date type GDAL writes as ISO 8601 ("2021/03/01" otherwise, and
    // LIBKML leaves dates out of its schema): there dates stay the strings the GeoJSON holds.
    let dates_as_text = matches!(format, ExportFormat::Csv | ExportFormat::Kml);
    let open_options: &[&str] = if dates_as_text { &["DATE_AS_STRING=YES"] } else { &[] };
    let src = gdal::Dataset::open_ex(
        staging,
        gdal::DatasetOptions { open_options: Some(open_options), ..gdal::DatasetOptions::default() },
    )
    .map_err(|e| fail(e.to_string()))?;
    let run = |out: &Path, args: &[&str]| {
        ffi::vector_translate(&src, &out.to_string_lossy(), args, progress).map_err(|e| {
            let said = gdal_errors::take();
            fail(if said.is_empty() { e } else { said.join("; ") })
        })
    };
    let families = mixed_families(&src);
    // One family mixing single and multi parts (polygons with multipolygons): declare the
    // multi type, so the file says "MultiPolygon" rather than "unknown geometry".
    let promote = if let [(_, _, multi)] = families.as_slice() { Some(*multi) } else { None };
    if format == ExportFormat::Shapefile {
        let dir = work.join("shp");
        let parts: Vec<ShapefilePart> = if families.len() > 1 {
            let mut parts: Vec<ShapefilePart> = families
                .iter()
                .map(|(suffix, filter, multi)| ShapefilePart {
                    name: format!("{name}_{suffix}"),
                    filter: Some(filter),
                    geometry_type: Some(multi),
                })
                .collect();
            // Features without a place keep their attributes in a table of their own.
            let (placeless, in_parts, total) = split_counts(&src);
            if placeless > 0 {
                parts.push(ShapefilePart {
                    name: format!("{name}_no_geometry"),
                    filter: Some("OGR_GEOMETRY IS NULL"),
                    geometry_type: Some("NONE"),
                });
            }
            if in_parts + placeless < total {
                return Err(fail(format!(
                    "{} features are geometry collections, which a shapefile cannot hold; export to GeoPackage instead",
                    total - in_parts - placeless
                )));
            }
            parts
        } else {
            vec![ShapefilePart { name: name.to_owned(), filter: None, geometry_type: promote }]
        };
        for part in &parts {
            let mut args = vec!["-f", "ESRI Shapefile", "-nln", &part.name, "-lco", "ENCODING=UTF-8"];
            if let Some(filter) = part.filter {
                args.extend(["-where", filter]);
            }
            if let Some(t) = part.geometry_type {
                args.extend(["-nlt", t]);
            }
            run(&dir, &args)?;
        }
        let mapping = field_mapping(&src, &dir, &parts[0].name).map_err(fail)?;
        if is_plain_shp(dest) {
            return unpack_shapefile(&dir, &parts, &mapping, name, dest);
        }
        zip_shapefile(&dir, &parts, &mapping, name, dest)?;
    } else {
        let out = work.join(format!("out.{}", format.extension()));
        let mut args: Vec<&str> = match format {
            ExportFormat::GeoPackage => vec!["-f", "GPKG", "-nln", name],
            ExportFormat::Csv => vec!["-f", "CSV", "-lco", "GEOMETRY=AS_WKT", "-lco", "STRING_QUOTING=IF_NEEDED"],
            ExportFormat::Kml => vec!["-f", "LIBKML", "-nln", name],
            ExportFormat::FlatGeobuf => vec!["-f", "FlatGeobuf", "-nln", name],
            ExportFormat::GeoJson | ExportFormat::Shapefile => unreachable!("handled above"),
        };
        if let (Some(t), ExportFormat::GeoPackage | ExportFormat::FlatGeobuf) = (promote, format) {
            args.extend(["-nlt", t]);
        }
        run(&out, &args)?;
        install(&out, dest)?;
    }
    Ok(std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0))
}

/// One shapefile of an export: a shapefile holds a single kind of geometry, so a layer
/// that mixes points, lines and polygons becomes one file per kind.
struct ShapefilePart {
    name: String,
    filter: Option<&'static str>,
    geometry_type: Option<&'static str>,
}

const FAMILIES: [(&str, &str, &str); 3] = [
    ("points", "OGR_GEOMETRY IN ('POINT','MULTIPOINT')", "MULTIPOINT"),
    ("lines", "OGR_GEOMETRY IN ('LINESTRING','MULTILINESTRING')", "MULTILINESTRING"),
    ("polygons", "OGR_GEOMETRY IN ('POLYGON','MULTIPOLYGON')", "MULTIPOLYGON"),
];

/// The geometry families (name, filter, multi type) of a layer whose features do not all
/// share one type; empty when GDAL's GeoJSON reader named a single type for the layer.
fn mixed_families(src: &gdal::Dataset) -> Vec<(&'static str, &'static str, &'static str)> {
    let Ok(mut layer) = src.layer(0) else { return Vec::new() };
    if layer.defn().geom_fields().next().map_or(0, |g| g.field_type()) != gdal_sys::OGRwkbGeometryType::wkbUnknown {
        return Vec::new();
    }
    let mut found = Vec::new();
    for family in FAMILIES {
        if layer.set_attribute_filter(family.1).is_ok() && layer.feature_count() > 0 {
            found.push(family);
        }
    }
    layer.clear_attribute_filter();
    found
}

/// Features without geometry, features in one of the three families, and all features.
fn split_counts(src: &gdal::Dataset) -> (u64, u64, u64) {
    let Ok(mut layer) = src.layer(0) else { return (0, 0, 0) };
    let mut count = |filter: Option<&str>| {
        match filter {
            Some(f) => {
                if layer.set_attribute_filter(f).is_err() {
                    return 0;
                }
            }
            None => layer.clear_attribute_filter(),
        }
        layer.feature_count()
    };
    let placeless = count(Some("OGR_GEOMETRY IS NULL"));
    let in_parts = FAMILIES.iter().map(|(_, f, _)| count(Some(f))).sum();
    let total = count(None);
    (placeless, in_parts, total)
}

/// Whether `dest` names a bare `.shp` (the parts are written beside it) rather than a zip.
fn is_plain_shp(dest: &Path) -> bool {
    dest.extension().is_some_and(|e| e.eq_ignore_ascii_case("shp"))
}

/// `NAME.fields.csv`: every attribute's original name and its (at most ten-character) name
/// in the `.dbf`.
fn field_mapping(src: &gdal::Dataset, dir: &Path, first_part: &str) -> Result<String, String> {
    let original: Vec<String> = src.layer(0).map(|l| l.defn().fields().map(|f| f.name()).collect()).unwrap_or_default();
    let shp = gdal::Dataset::open(dir.join(format!("{first_part}.shp"))).map_err(|e| e.to_string())?;
    let renamed: Vec<String> = shp.layer(0).map(|l| l.defn().fields().map(|f| f.name()).collect()).unwrap_or_default();
    let quote = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    };
    let mut mapping = String::from("original,shapefile\n");
    for (o, r) in original.iter().zip(&renamed) {
        mapping.push_str(&format!("{},{}\n", quote(o), quote(r)));
    }
    Ok(mapping)
}

/// Copies the parts beside `dest`, named after it (`out.shp`, `out.dbf`, …, or
/// `out_points.shp`, … for mixed layers), with `out.fields.csv`.
fn unpack_shapefile(
    dir: &Path,
    parts: &[ShapefilePart],
    mapping: &str,
    name: &str,
    dest: &Path,
) -> Result<u64, IngestError> {
    let stem = dest.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| name.to_owned());
    let folder = dest.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut written = 0;
    for part in parts {
        let target = part.name.replacen(name, &stem, 1);
        for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
            let from = dir.join(format!("{}.{ext}", part.name));
            if from.exists() {
                let to = folder.join(format!("{target}.{ext}"));
                install(&from, &to)?;
                written += std::fs::metadata(&to).map_or(0, |m| m.len());
            }
        }
    }
    let list = dir.join("fields.csv");
    std::fs::write(&list, mapping).map_err(|e| IngestError::Io { path: list.clone(), reason: e.to_string() })?;
    install(&list, &folder.join(format!("{stem}.fields.csv")))?;
    Ok(written + mapping.len() as u64)
}

/// Zips the shapefiles' parts with `NAME.fields.csv`.
fn zip_shapefile(
    dir: &Path,
    parts: &[ShapefilePart],
    mapping: &str,
    name: &str,
    dest: &Path,
) -> Result<(), IngestError> {
    let fail = |reason: String| IngestError::Io { path: dest.to_owned(), reason };
    let mut tmp = temp_beside(dest)?;
    let mut z = zip::ZipWriter::new(std::io::BufWriter::new(tmp.as_file_mut()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(true);
    for part in parts {
        for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
            let path = dir.join(format!("{}.{ext}", part.name));
            let Ok(mut f) = std::fs::File::open(&path) else { continue };
            z.start_file(format!("{}.{ext}", part.name), opts).map_err(|e| fail(e.to_string()))?;
            std::io::copy(&mut f, &mut z).map_err(|e| fail(e.to_string()))?;
        }
    }
    z.start_file(format!("{name}.fields.csv"), opts).map_err(|e| fail(e.to_string()))?;
    z.write_all(mapping.as_bytes()).map_err(|e| fail(e.to_string()))?;
    z.finish().map_err(|e| fail(e.to_string()))?.into_inner().map_err(|e| fail(e.to_string()))?;
    tmp.persist(dest).map_err(|e| fail(e.error.to_string()))?;
    Ok(())
}
