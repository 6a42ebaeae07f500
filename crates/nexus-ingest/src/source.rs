//! Preparing a file for GDAL: expanding compressed files and archives, checks that need no
//! GDAL (XML entities, shapefile parts), the checksum, and the GDAL path and open options.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use nexus_service::gis::{Format, IngestError, IngestOptions, Limits};

use crate::archive::{self, Budget};

/// A file ready for GDAL.
#[derive(Debug, Clone)]
pub struct Source {
    /// What GDAL opens: the file itself, or what was expanded from it.
    pub gdal_path: String,
    /// The format.
    pub format: Format,
    /// File name for messages and provenance.
    pub file_name: String,
    /// SHA-256, hex (filled in once computed).
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// GDAL open options (`KEY=VALUE`).
    pub open_options: Vec<String>,
    /// `gdal_path` is still gzip-compressed: a reader that expands as it reads takes it (see
    /// [`for_gdal`] for GDAL).
    pub gzipped: bool,
    /// A native reader may take it (see `native::choose`): a format one reads, with no
    /// coordinate system or layer named.
    pub native: bool,
    /// The limits on what a compressed file may expand to.
    pub limits: Limits,
    /// The private folder holding what was expanded; removed when the last copy goes.
    _expanded: Option<Arc<tempfile::TempDir>>,
}

/// Checks and describes the file named in `opts`. Compressed files and archives are expanded
/// into a private folder first, counted against `opts.limits` as they expand.
///
/// # Errors
/// When the file is missing, of an unsupported format, too large once expanded, or refused
/// as unsafe.
pub fn prepare(opts: &IngestOptions) -> Result<Source, IngestError> {
    let path = &opts.path;
    let meta = std::fs::metadata(path).map_err(|_| IngestError::NotFound(path.clone()))?;
    if !meta.is_file() {
        return Err(IngestError::NotFound(path.clone()));
    }
    let file_name = opts
        .file_name
        .clone()
        .or_else(|| path.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let lower = file_name.to_ascii_lowercase();
    let gzipped = lower.ends_with(".gz");
    let inner_name = if gzipped { &file_name[..file_name.len() - 3] } else { &file_name[..] };
    let format = Format::from_path(Path::new(inner_name))?;
    let inner_lower = inner_name.to_ascii_lowercase();
    let io = |e: std::io::Error| IngestError::Io { path: path.clone(), reason: e.to_string() };
    let mut file = std::fs::canonicalize(path).map_err(io)?;

    // Naming a coordinate system or a layer asks for GDAL's reader.
    let native = matches!(format, Format::GeoJson | Format::GeoJsonSeq | Format::FlatGeobuf)
        && opts.source_crs.is_none()
        && opts.source_layer.is_none();
    // A GeoJSON file the native reader will take is expanded as it is read, not first.
    let streamed = gzipped && native && format != Format::FlatGeobuf;
    let expand_first = gzipped && !streamed;
    let scratch = if expand_first || inner_lower.ends_with(".zip") {
        Some(nexus_service::scratch::dir("expand").map_err(io)?)
    } else {
        None
    };
    let mut budget = Budget::new(&file_name, opts.limits);
    if let Some(dir) = &scratch {
        if expand_first {
            // Only the safe alphabet of the name is kept for the expanded file.
            let inner: String = inner_name
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
                .collect();
            let dest = dir.path().join(format!("x{inner}"));
            archive::gunzip(&file, &dest, &mut budget)?;
            file = dest;
        }
        if inner_lower.ends_with(".zip") {
            file = archive::shapefile_in_zip(&file, dir.path(), &mut budget)?;
        }
    }
    if inner_lower.ends_with(".kmz") {
        archive::check_kmz(&file, &mut budget)?;
    } else if format == Format::Kml {
        archive::refuse_xml_entities(&file, &file_name)?;
    }
    if format == Format::Shapefile && !inner_lower.ends_with(".zip") {
        shapefile_parts(&file, &file_name)?;
    }

    let mut open_options = Vec::new();
    match format {
        Format::Shapefile => {
            if let Some(enc) = &opts.encoding {
                open_options.push(format!("ENCODING={enc}"));
            }
        }
        Format::Csv => open_options.extend(
            [
                "X_POSSIBLE_NAMES=lon,lng,long,longitude,x",
                "Y_POSSIBLE_NAMES=lat,latitude,y",
                "GEOM_POSSIBLE_NAMES=wkt,geometry,geom,the_geom",
                "KEEP_GEOM_COLUMNS=NO",
                "AUTODETECT_TYPE=YES",
                "EMPTY_STRING_AS_NULL=YES",
            ]
            .map(String::from),
        ),
        // Keep date-like text exactly as written rather than re-formatting it.
        Format::GeoJson | Format::GeoJsonSeq => open_options.push("DATE_AS_STRING=YES".into()),
        _ => {}
    }
    Ok(Source {
        gdal_path: file.to_string_lossy().into_owned(),
        format,
        file_name,
        // The checksum is computed by the caller, beside the read (see pipeline).
        sha256: String::new(),
        bytes: meta.len(),
        open_options,
        gzipped: streamed,
        native,
        limits: opts.limits,
        _expanded: scratch.map(Arc::new),
    })
}

/// `source` as GDAL can open it: a gzip file left for a streaming reader is expanded now.
///
/// # Errors
/// As [`prepare`] for a compressed file.
pub fn for_gdal(source: &Source) -> Result<Source, IngestError> {
    if !source.gzipped {
        return Ok(source.clone());
    }
    let io = |e: std::io::Error| IngestError::Io { path: source.gdal_path.clone().into(), reason: e.to_string() };
    let dir = nexus_service::scratch::dir("expand").map_err(io)?;
    let dest = dir.path().join("xexpanded");
    archive::gunzip(Path::new(&source.gdal_path), &dest, &mut Budget::new(&source.file_name, source.limits))?;
    Ok(Source {
        gdal_path: dest.to_string_lossy().into_owned(),
        gzipped: false,
        _expanded: Some(Arc::new(dir)),
        ..source.clone()
    })
}

/// SHA-256 (hex) and size of a file, read in 1 MiB pieces.
///
/// # Errors
/// When the file cannot be read.
pub fn sha256_file(path: &Path) -> Result<(String, u64), IngestError> {
    checksum(path)
}

fn checksum(path: &Path) -> Result<(String, u64), IngestError> {
    let io = |e: std::io::Error| IngestError::Io { path: path.to_owned(), reason: e.to_string() };
    let mut reader = File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 18];
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        hasher.update(&buf[..n]);
    }
    let digest = hasher.finalize();
    Ok((digest.iter().map(|b| format!("{b:02x}")).collect(), total))
}

fn shapefile_parts(shp: &Path, file: &str) -> Result<(), IngestError> {
    let dir = shp.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let stem = shp.file_stem().map(|s| s.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let siblings: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| rd.flatten().map(|e| e.file_name().to_string_lossy().to_ascii_lowercase()).collect())
        .unwrap_or_default();
    for (ext, label) in [("shx", ".shx"), ("dbf", ".dbf")] {
        if !siblings.iter().any(|n| *n == format!("{stem}.{ext}")) {
            return Err(IngestError::ShapefilePart { file: file.to_owned(), missing: label });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_are_sha256() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.txt");
        std::fs::write(&p, "abc").unwrap();
        let (sum, n) = checksum(&p).unwrap();
        assert_eq!(n, 3);
        assert_eq!(sum, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
