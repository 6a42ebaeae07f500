//! Preparing a file for GDAL: checks that need no GDAL (archives, XML entities, shapefile
//! parts), the checksum, and the GDAL path and open options.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use nexus_service::gis::{Format, IngestError, IngestOptions, Limits};

/// A file ready for GDAL.
#[derive(Debug, Clone)]
pub struct Source {
    /// What GDAL opens (`/vsizip/…`, `/vsigzip/…`, or the path).
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
}

/// Checks and describes the file named in `opts`.
///
/// # Errors
/// When the file is missing, of an unsupported format, or refused as unsafe.
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
    // The checksum is computed by the caller, beside the read (see pipeline).
    let (sha256, bytes) = (String::new(), meta.len());
    let abs = std::fs::canonicalize(path).map_err(|e| IngestError::Io { path: path.clone(), reason: e.to_string() })?;
    let abs_str = abs.to_string_lossy().into_owned();
    let inner_lower = inner_name.to_ascii_lowercase();

    let gdal_path = if gzipped {
        format!("/vsigzip/{abs_str}")
    } else if inner_lower.ends_with(".zip") {
        let entry = shapefile_in_zip(&abs, &file_name, opts.limits)?;
        format!("/vsizip/{abs_str}/{entry}")
    } else if inner_lower.ends_with(".kmz") {
        let kml = kml_in_kmz(&abs, &file_name, opts.limits)?;
        refuse_xml_entities(&kml, &file_name)?;
        abs_str.clone()
    } else {
        if format == Format::Kml {
            let mut text = Vec::new();
            File::open(&abs)
                .and_then(|f| f.take(256 << 20).read_to_end(&mut text))
                .map_err(|e| IngestError::Io { path: path.clone(), reason: e.to_string() })?;
            refuse_xml_entities(&text, &file_name)?;
        }
        if format == Format::Shapefile {
            shapefile_parts(&abs, &file_name)?;
        }
        abs_str.clone()
    };

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
    Ok(Source { gdal_path, format, file_name, sha256, bytes, open_options })
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
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path).map_err(io)?);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
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

/// Opens a zip and checks every entry: no path leaving the archive, a bounded number of
/// entries and expanded size, no extreme compression ratio. Returns the entry names.
fn checked_zip(path: &Path, file: &str, limits: Limits) -> Result<zip::ZipArchive<File>, IngestError> {
    let refuse = |reason: String| IngestError::UnsafeArchive { file: file.to_owned(), reason };
    let f = File::open(path).map_err(|e| IngestError::Io { path: path.to_owned(), reason: e.to_string() })?;
    let mut zip = zip::ZipArchive::new(f).map_err(|e| IngestError::Unreadable {
        file: file.to_owned(),
        format: "a zip archive",
        reason: e.to_string(),
    })?;
    if zip.len() > limits.max_entries {
        return Err(refuse(format!("it holds {} entries (at most {} allowed)", zip.len(), limits.max_entries)));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let e = zip.by_index_raw(i).map_err(|e| refuse(format!("entry {i} is unreadable ({e})")))?;
        let name = e.name().to_owned();
        if e.enclosed_name().is_none() || name.contains('\\') {
            return Err(refuse(format!("entry '{}' points outside the archive (zip-slip)", name.escape_default())));
        }
        total = total.saturating_add(e.size());
        let ratio = e.size() / e.compressed_size().max(1);
        if e.size() > 16 << 20 && ratio > limits.max_ratio {
            return Err(refuse(format!(
                "entry '{name}' expands {ratio}:1 to {} bytes, which looks like a zip bomb",
                e.size()
            )));
        }
        if total > limits.max_uncompressed {
            return Err(refuse(format!("it expands to more than {} bytes", limits.max_uncompressed)));
        }
    }
    Ok(zip)
}

fn shapefile_in_zip(path: &Path, file: &str, limits: Limits) -> Result<String, IngestError> {
    let zip = checked_zip(path, file, limits)?;
    let names: Vec<String> = zip.file_names().map(str::to_owned).collect();
    let shps: Vec<&String> = names.iter().filter(|n| n.to_ascii_lowercase().ends_with(".shp")).collect();
    let shp = match shps.as_slice() {
        [one] => (*one).clone(),
        [] => {
            return Err(IngestError::Unreadable {
                file: file.to_owned(),
                format: "a zipped shapefile",
                reason: "the archive holds no .shp file".into(),
            })
        }
        many => {
            return Err(IngestError::Unreadable {
                file: file.to_owned(),
                format: "a zipped shapefile",
                reason: format!(
                    "the archive holds {} shapefiles ({}); zip one per upload",
                    many.len(),
                    many.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ),
            })
        }
    };
    let stem = &shp[..shp.len() - 4];
    for (ext, label) in [("shx", ".shx"), ("dbf", ".dbf")] {
        if !names.iter().any(|n| {
            n.len() == stem.len() + 4 && n.to_ascii_lowercase() == format!("{}.{ext}", stem.to_ascii_lowercase())
        }) {
            return Err(IngestError::ShapefilePart { file: format!("{file}/{shp}"), missing: label });
        }
    }
    Ok(shp)
}

fn kml_in_kmz(path: &Path, file: &str, limits: Limits) -> Result<Vec<u8>, IngestError> {
    let mut zip = checked_zip(path, file, limits)?;
    let name =
        zip.file_names().find(|n| n.to_ascii_lowercase().ends_with(".kml")).map(str::to_owned).ok_or_else(|| {
            IngestError::Unreadable { file: file.to_owned(), format: "KMZ", reason: "no .kml inside".into() }
        })?;
    let mut text = Vec::new();
    zip.by_name(&name)
        .map_err(|e| IngestError::Unreadable { file: file.to_owned(), format: "KMZ", reason: e.to_string() })?
        .take(256 << 20)
        .read_to_end(&mut text)
        .map_err(|e| IngestError::Unreadable { file: file.to_owned(), format: "KMZ", reason: e.to_string() })?;
    Ok(text)
}

/// KML is XML; a DTD can declare entities that read local files or URLs (XXE). Ordinary KML
/// never has one, so any DTD is refused.
fn refuse_xml_entities(text: &[u8], file: &str) -> Result<(), IngestError> {
    let needle_hit = |needle: &[u8]| text.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle));
    if needle_hit(b"<!ENTITY") || needle_hit(b"<!DOCTYPE") {
        return Err(IngestError::Hostile {
            file: file.to_owned(),
            reason: "it declares a DTD or XML entities, which KML never needs and which could read files \
                     on the server (XML external entity attack)"
                .into(),
        });
    }
    Ok(())
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
    fn xml_entities_are_refused_in_any_case() {
        assert!(refuse_xml_entities(b"<?xml version=\"1.0\"?><kml></kml>", "a.kml").is_ok());
        let evil = b"<?xml version=\"1.0\"?><!doctype kml [<!entity x SYSTEM \"file:///etc/passwd\">]><kml>&x;</kml>";
        let err = refuse_xml_entities(evil, "evil.kml").unwrap_err().to_string();
        assert!(err.starts_with("evil.kml is refused: it declares a DTD"), "{err}");
    }

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
