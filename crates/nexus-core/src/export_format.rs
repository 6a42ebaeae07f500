//! The file formats features can be exported to: names on the command line, file
//! extensions and media types. Writing them is `nexus-ingest`'s job (through GDAL), except
//! GeoJSON, which the store streams itself.

/// A format features can be exported to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// RFC 7946 GeoJSON.
    GeoJson,
    /// OGC GeoPackage.
    GeoPackage,
    /// ESRI Shapefile, zipped with its parts.
    Shapefile,
    /// CSV with a WKT geometry column.
    Csv,
    /// KML.
    Kml,
    /// FlatGeobuf.
    FlatGeobuf,
}

impl ExportFormat {
    /// Every format.
    pub const ALL: &'static [ExportFormat] = &[
        ExportFormat::GeoJson,
        ExportFormat::GeoPackage,
        ExportFormat::Shapefile,
        ExportFormat::Csv,
        ExportFormat::Kml,
        ExportFormat::FlatGeobuf,
    ];

    /// By the name used on the command line (`geojson`, `gpkg`, `shp`, `csv`, `kml`, `fgb`).
    pub fn from_name(name: &str) -> Option<ExportFormat> {
        Some(match name {
            "geojson" | "json" => ExportFormat::GeoJson,
            "gpkg" => ExportFormat::GeoPackage,
            "shp" | "shp.zip" | "zip" => ExportFormat::Shapefile,
            "csv" => ExportFormat::Csv,
            "kml" => ExportFormat::Kml,
            "fgb" => ExportFormat::FlatGeobuf,
            _ => return None,
        })
    }

    /// The file extension.
    pub const fn extension(self) -> &'static str {
        match self {
            ExportFormat::GeoJson => "geojson",
            ExportFormat::GeoPackage => "gpkg",
            ExportFormat::Shapefile => "shp.zip",
            ExportFormat::Csv => "csv",
            ExportFormat::Kml => "kml",
            ExportFormat::FlatGeobuf => "fgb",
        }
    }

    /// A name for people.
    pub const fn label(self) -> &'static str {
        match self {
            ExportFormat::GeoJson => "GeoJSON",
            ExportFormat::GeoPackage => "GeoPackage",
            ExportFormat::Shapefile => "Shapefile",
            ExportFormat::Csv => "CSV",
            ExportFormat::Kml => "KML",
            ExportFormat::FlatGeobuf => "FlatGeobuf",
        }
    }

    /// The media type.
    pub const fn media_type(self) -> &'static str {
        match self {
            ExportFormat::GeoJson => "application/geo+json",
            ExportFormat::GeoPackage => "application/geopackage+sqlite3",
            ExportFormat::Shapefile => "application/zip",
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Kml => "application/vnd.google-earth.kml+xml",
            ExportFormat::FlatGeobuf => "application/flatgeobuf",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ExportFormat;

    #[test]
    fn names_and_extensions_agree() {
        for f in ExportFormat::ALL {
            assert_eq!(ExportFormat::from_name(f.extension().trim_end_matches(".zip")), Some(*f), "{f:?}");
        }
        assert_eq!(ExportFormat::from_name("shp.zip"), Some(ExportFormat::Shapefile));
        assert_eq!(ExportFormat::from_name("dxf"), None);
    }
}
