//! Coordinate reference systems by URI (OGC API - Features Part 2): the ones this atlas reads
//! and writes geometries in. Everything is stored in WGS 84 longitude/latitude; PostGIS
//! transforms on the way in and out.

/// CRS84's URI: WGS 84, longitude first (GeoJSON's order). The default everywhere.
pub const CRS84_URI: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

const EPSG: &str = "http://www.opengis.net/def/crs/EPSG/0/";

/// The UTM zones of the partner cities (north: 326NN, south: 327NN), listed in each
/// collection's `crs`. Every other UTM zone is taken too.
pub const CITY_UTM_ZONES: &[i32] = &[32642, 32643, 32644, 32647, 32648, 32649, 32650, 32651, 32749];

/// A coordinate system: its EPSG code, and whether its coordinates come latitude first
/// (EPSG:4326 as the EPSG defines it; CRS84 is the same datum longitude first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crs {
    /// The EPSG code (4326 for both CRS84 and EPSG:4326).
    pub srid: i32,
    /// Latitude before longitude.
    pub lat_first: bool,
}

impl Crs {
    /// WGS 84, longitude first.
    pub const CRS84: Crs = Crs { srid: 4326, lat_first: false };

    /// The coordinate system `uri` names (`http://www.opengis.net/def/crs/EPSG/0/32647`, in
    /// angle brackets or not; `EPSG:32647` and URNs too), if this server takes it: CRS84,
    /// EPSG:4326, web mercator (3857) and the UTM zones (32601–32660, 32701–32760).
    pub fn parse(uri: &str) -> Option<Crs> {
        let u = uri.trim().trim_start_matches('<').trim_end_matches('>').trim();
        if u == CRS84_URI || u == "urn:ogc:def:crs:OGC:1.3:CRS84" || u.eq_ignore_ascii_case("crs84") {
            return Some(Crs::CRS84);
        }
        let code: i32 =
            [EPSG, "EPSG:", "urn:ogc:def:crs:EPSG::"].iter().find_map(|p| u.strip_prefix(p))?.parse().ok()?;
        match code {
            4326 => Some(Crs { srid: 4326, lat_first: true }),
            3857 | 32601..=32660 | 32701..=32760 => Some(Crs { srid: code, lat_first: false }),
            _ => None,
        }
    }

    /// Its URI.
    pub fn uri(self) -> String {
        if self == Crs::CRS84 {
            CRS84_URI.to_owned()
        } else {
            format!("{EPSG}{}", self.srid)
        }
    }

    /// What a client is told when it names one this server does not take.
    pub fn unsupported(what: &str, uri: &str) -> String {
        format!(
            "{what} '{}' is not a coordinate system this server takes: {CRS84_URI}, {EPSG}4326, {EPSG}3857 or a \
             UTM zone ({EPSG}326NN, {EPSG}327NN)",
            uri.escape_default()
        )
    }

    /// The URIs each collection lists as its `crs`.
    pub fn advertised() -> Vec<String> {
        let mut out = vec![CRS84_URI.to_owned(), format!("{EPSG}4326"), format!("{EPSG}3857")];
        out.extend(CITY_UTM_ZONES.iter().map(|z| format!("{EPSG}{z}")));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinate_systems_by_uri() {
        assert_eq!(Crs::parse("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"), Some(Crs::CRS84));
        assert_eq!(Crs::parse("http://www.opengis.net/def/crs/EPSG/0/4326"), Some(Crs { srid: 4326, lat_first: true }));
        assert_eq!(
            Crs::parse("EPSG:32647").map(Crs::uri).as_deref(),
            Some("http://www.opengis.net/def/crs/EPSG/0/32647")
        );
        assert_eq!(Crs::parse("http://www.opengis.net/def/crs/EPSG/0/3857").map(|c| c.srid), Some(3857));
        for no in ["EPSG:999999", "EPSG:2000", "http://example.org/crs", "", "EPSG:32661", "EPSG:x"] {
            assert_eq!(Crs::parse(no), None, "{no}");
        }
        assert!(Crs::advertised().iter().all(|u| Crs::parse(u).is_some()));
    }
}
