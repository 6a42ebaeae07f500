//! The GDAL drivers behind the formats Nexus Atlas reads.

use nexus_service::gis::{Format, IngestError};

/// The GDAL drivers that may read `format`, preferred first.
pub const fn drivers(format: Format) -> &'static [&'static str] {
    match format {
        Format::GeoJson => &["GeoJSON"],
        Format::GeoJsonSeq => &["GeoJSONSeq"],
        Format::Shapefile => &["ESRI Shapefile"],
        Format::GeoPackage => &["GPKG"],
        Format::Kml => &["LIBKML", "KML"],
        Format::Csv => &["CSV"],
        Format::FlatGeobuf => &["FlatGeobuf"],
    }
}

/// Whether GDAL loads and has a driver for `format`.
pub fn available(format: Format) -> bool {
    crate::libs::load_gdal().is_ok()
        && drivers(format).iter().any(|d| gdal::DriverManager::get_driver_by_name(d).is_ok())
}

/// GDAL's release name (`3.6.2`), or why it cannot be loaded.
///
/// # Errors
/// When GDAL cannot be loaded.
pub fn gdal_version() -> Result<String, IngestError> {
    crate::libs::load_gdal()?;
    Ok(gdal::version::VersionInfo::release_name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linked_gdal_has_every_driver() {
        let version = gdal_version().unwrap();
        assert!(version.starts_with('3'), "{version}");
        for f in Format::ALL {
            assert!(available(*f), "GDAL lacks a driver for {}", f.name());
        }
    }
}
