//! The GDAL drivers behind the formats Nexus Atlas reads.

use nexus_service::gis::Format;

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

/// Whether the linked GDAL has a driver for `format`.
pub fn available(format: Format) -> bool {
    drivers(format).iter().any(|d| gdal::DriverManager::get_driver_by_name(d).is_ok())
}

/// The linked GDAL's release name (`3.6.2`).
pub fn gdal_version() -> String {
    gdal::version::VersionInfo::release_name()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linked_gdal_has_every_driver() {
        assert!(gdal_version().starts_with('3'), "{}", gdal_version());
        for f in Format::ALL {
            assert!(available(*f), "GDAL lacks a driver for {}", f.name());
        }
    }
}
