//! Coordinate systems by URI, as OGC API - Features Part 2 names them: CRS84 (longitude,
//! latitude; the default), EPSG:4326 (latitude first, as the EPSG defines it), web mercator,
//! and the UTM zones the partner cities' surveys use.

use axum::http::HeaderMap;

use super::common::CRS84;
use crate::error::ApiError;

const EPSG: &str = "http://www.opengis.net/def/crs/EPSG/0/";

/// The EPSG code of `uri`, and whether its coordinates come latitude first; `None` for a
/// coordinate system this server does not take.
pub(super) fn srid_of(uri: &str) -> Option<(i32, bool)> {
    let u = uri.trim().trim_start_matches('<').trim_end_matches('>').trim();
    if u == CRS84 || u == "urn:ogc:def:crs:OGC:1.3:CRS84" || u.eq_ignore_ascii_case("crs84") {
        return Some((4326, false));
    }
    let code: i32 = [EPSG, "EPSG:", "urn:ogc:def:crs:EPSG::"].iter().find_map(|p| u.strip_prefix(p))?.parse().ok()?;
    match code {
        4326 => Some((4326, true)),
        3857 | 32601..=32660 | 32701..=32760 => Some((code, false)),
        _ => None,
    }
}

/// The coordinate system of a body's geometry (`Content-Crs`; CRS84 without one).
pub(super) fn content_crs(headers: &HeaderMap) -> Result<(i32, bool), ApiError> {
    let Some(v) = headers.get("content-crs") else { return Ok((4326, false)) };
    let text = v.to_str().unwrap_or_default();
    srid_of(text).ok_or_else(|| {
        ApiError::bad_request(format!(
            "Content-Crs '{}' is not one this server takes: {CRS84}, {EPSG}4326, {EPSG}3857 or a UTM zone \
             ({EPSG}326NN, {EPSG}327NN)",
            text.escape_default()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::srid_of;

    #[test]
    fn coordinate_systems_by_uri() {
        assert_eq!(srid_of("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"), Some((4326, false)));
        assert_eq!(srid_of("http://www.opengis.net/def/crs/EPSG/0/4326"), Some((4326, true)));
        assert_eq!(srid_of("EPSG:32647"), Some((32647, false)));
        assert_eq!(srid_of("http://www.opengis.net/def/crs/EPSG/0/3857"), Some((3857, false)));
        for no in ["EPSG:999999", "EPSG:2000", "http://example.org/crs", "", "EPSG:32661"] {
            assert_eq!(srid_of(no), None, "{no}");
        }
    }
}
