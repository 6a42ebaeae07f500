//! Coordinate systems: what a file declares or the uploader names, read only as text, and
//! the transformation to longitude/latitude.

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::vector::LayerAccess;
use nexus_service::gis::{Format, IngestError};

use crate::gdal_errors;
use crate::source::Source;

pub fn label(srs: &SpatialRef) -> Option<String> {
    match (srs.auth_name(), srs.auth_code()) {
        (Some(name), Ok(code)) => Some(format!("{name}:{code}")),
        _ => srs.name(),
    }
}

fn target_srs() -> Result<SpatialRef, IngestError> {
    let mut t = SpatialRef::from_epsg(4326)
        .map_err(|e| IngestError::BadCrs { crs: "EPSG:4326".into(), reason: e.to_string() })?;
    t.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    Ok(t)
}

/// `def` when it is a coordinate system given as text: an authority and code (`EPSG:32647`,
/// `ESRI:102100`, `OGC:CRS84`), WKT, PROJJSON or a PROJ string. Anything else — a URL, a file
/// path, a PROJ `+init` file — is refused before GDAL sees it: GDAL would fetch or open it, so
/// an upload could make the server reach any address or read any file (issue 14, finding 1).
fn plain_crs(def: &str) -> Result<&str, IngestError> {
    let d = def.trim();
    let authority = d.split_once(':').is_some_and(|(auth, code)| {
        !auth.is_empty()
            && auth.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !code.is_empty()
            && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
    });
    let wkt = d
        .split_once('[')
        .is_some_and(|(kw, _)| !kw.is_empty() && kw.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
    let projjson = d.starts_with('{');
    let proj = d.starts_with("+proj=") && !d.contains("init=");
    if authority || wkt || projjson || proj {
        Ok(d)
    } else {
        Err(IngestError::BadCrs {
            crs: def.to_owned(),
            reason: "give an authority and code (EPSG:32647, ESRI:102100, OGC:CRS84), WKT or PROJJSON text; \
                     paths and URLs are refused"
                .into(),
        })
    }
}

/// The layer's coordinate system (or the one named) and the transformation to longitude/latitude,
/// none when it is that already.
pub fn coordinate_systems(
    source: &Source,
    source_crs: Option<&String>,
    layer: &gdal::vector::Layer<'_>,
    open_failures: &[String],
) -> Result<(SpatialRef, Option<CoordTransform>), IngestError> {
    let mut src = match source_crs {
        Some(def) => SpatialRef::from_definition(plain_crs(def)?).map_err(|e| IngestError::BadCrs {
            crs: def.clone(),
            reason: gdal_errors::take().first().cloned().unwrap_or_else(|| e.to_string()),
        })?,
        None => {
            // GDAL reads a coordinate system it cannot understand (an unknown code, a URL) as
            // WGS 84 and only says so in an error: the data would land in the wrong place.
            let crs_failures: Vec<&String> = open_failures
                .iter()
                .filter(|m| {
                    ["crs", "proj", "import", "network", "url"].iter().any(|w| m.to_ascii_lowercase().contains(w))
                })
                .collect();
            if !crs_failures.is_empty() {
                let declared = (source.format == Format::GeoJson).then(|| geojson_crs(&source.gdal_path)).flatten();
                return Err(IngestError::BadCrs {
                    crs: declared.unwrap_or_else(|| format!("declared in {}", source.file_name)),
                    reason: format!(
                        "{}; name the coordinate system the data uses with source_crs (for example EPSG:32647)",
                        crs_failures.iter().map(|m| m.as_str()).collect::<Vec<_>>().join("; ")
                    ),
                });
            }
            layer.spatial_ref().ok_or_else(|| IngestError::NoCrs { file: source.file_name.clone() })?
        }
    };
    src.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let target = target_srs()?;
    let transform = if src == target {
        None
    } else {
        Some(
            CoordTransform::new(&src, &target)
                .map_err(|e| IngestError::BadCrs { crs: label(&src).unwrap_or_default(), reason: e.to_string() })?,
        )
    };
    Ok((src, transform))
}

/// The `crs` member of a GeoJSON file as written (`EPSG:999999`, a URL), read in one pass
/// that keeps none of the features.
fn geojson_crs(path: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Top {
        crs: Option<serde_json::Value>,
    }
    let file = std::fs::File::open(path).ok()?;
    let top: Top = serde_json::from_reader(std::io::BufReader::with_capacity(1 << 20, file)).ok()?;
    let crs = top.crs?;
    let props = crs.get("properties")?;
    match props.get("name").or_else(|| props.get("href")) {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        _ => {
            let kind = crs.get("type").and_then(serde_json::Value::as_str).unwrap_or("crs");
            props.get("code").map(|code| format!("{kind}:{code}"))
        }
    }
}

#[cfg(test)]
mod crs_tests {
    use super::plain_crs;

    #[test]
    fn coordinate_systems_are_text_never_a_place_to_fetch() {
        for ok in [
            "EPSG:32647",
            "epsg:4326",
            "ESRI:102100",
            "OGC:CRS84",
            "GEOGCS[\"WGS 84\",DATUM[\"x\"]]",
            "{\"type\": \"GeographicCRS\"}",
            "+proj=utm +zone=47",
        ] {
            assert!(plain_crs(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://127.0.0.1:9999/x",
            "https://epsg.io/4326.wkt",
            "/etc/passwd",
            "../crs.prj",
            "+init=epsg:4326",
            "file:///etc/passwd",
            "",
        ] {
            assert!(plain_crs(bad).is_err(), "{bad}");
        }
    }
}
