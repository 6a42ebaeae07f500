//! The file formats Nexus Atlas reads, and the GDAL drivers that read the ones it has no
//! native reader for.

use std::path::Path;

/// A file whose format is not one Nexus Atlas reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported format for '{file}': Nexus Atlas reads {supported}")]
pub struct FormatError {
    /// The file name as given.
    pub file: String,
    /// The supported formats, for the message.
    pub supported: &'static str,
}

/// A format Nexus Atlas reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// GeoJSON (`.geojson`, `.json`).
    GeoJson,
    /// Newline-delimited GeoJSON (`.geojsonl`, `.geojsons`, `.ndjson`).
    GeoJsonSeq,
    /// ESRI Shapefile, loose (`.shp`) or zipped (`.zip`).
    Shapefile,
    /// OGC GeoPackage (`.gpkg`).
    GeoPackage,
    /// KML or KMZ (`.kml`, `.kmz`).
    Kml,
    /// Comma-separated values with lon/lat or WKT columns (`.csv`).
    Csv,
    /// FlatGeobuf (`.fgb`).
    FlatGeobuf,
}

const SUPPORTED: &str = "GeoJSON (.geojson, .json), GeoJSON sequences (.geojsonl, .geojsons, .ndjson), \
    Shapefile (.shp or .zip), GeoPackage (.gpkg), KML/KMZ (.kml, .kmz), CSV (.csv) and FlatGeobuf (.fgb)";

impl Format {
    /// Every format.
    pub const ALL: &'static [Format] = &[
        Format::GeoJson,
        Format::GeoJsonSeq,
        Format::Shapefile,
        Format::GeoPackage,
        Format::Kml,
        Format::Csv,
        Format::FlatGeobuf,
    ];

    /// The format's name for people.
    pub const fn name(self) -> &'static str {
        match self {
            Format::GeoJson => "GeoJSON",
            Format::GeoJsonSeq => "GeoJSON sequence",
            Format::Shapefile => "Shapefile",
            Format::GeoPackage => "GeoPackage",
            Format::Kml => "KML",
            Format::Csv => "CSV",
            Format::FlatGeobuf => "FlatGeobuf",
        }
    }

    /// Guesses the format from the file name's extension.
    ///
    /// # Errors
    /// When the extension is not one of the supported formats'.
    pub fn from_path(path: &Path) -> Result<Format, FormatError> {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
        Ok(match ext.as_str() {
            "geojson" | "json" => Format::GeoJson,
            "geojsonl" | "geojsons" | "ndjson" => Format::GeoJsonSeq,
            "shp" | "zip" => Format::Shapefile,
            "gpkg" => Format::GeoPackage,
            "kml" | "kmz" => Format::Kml,
            "csv" => Format::Csv,
            "fgb" => Format::FlatGeobuf,
            _ => return Err(FormatError { file: path.display().to_string(), supported: SUPPORTED }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_map_to_formats() {
        assert_eq!(Format::from_path(Path::new("canals.GeoJSON")).unwrap(), Format::GeoJson);
        assert_eq!(Format::from_path(Path::new("a/b/wwtp.zip")).unwrap(), Format::Shapefile);
        assert_eq!(Format::from_path(Path::new("x.kmz")).unwrap(), Format::Kml);
    }

    #[test]
    fn unknown_extension_names_what_is_supported() {
        let err = Format::from_path(Path::new("plan.dwg")).unwrap_err().to_string();
        assert!(err.starts_with("unsupported format for 'plan.dwg': Nexus Atlas reads GeoJSON"), "{err}");
        assert!(err.contains("FlatGeobuf"));
    }
}
