//! Bounding boxes in CRS84 longitude/latitude degrees.

use serde::{Deserialize, Serialize};

/// A bounding box that breaks the rules.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BboxError {
    /// Not four comma-separated numbers.
    #[error("bbox must be four numbers 'minLon,minLat,maxLon,maxLat', got '{0}'")]
    Format(String),
    /// A number outside the CRS84 range, or not finite.
    #[error("bbox {0} is outside longitude -180..180 / latitude -90..90")]
    Range(String),
    /// min greater than max on an axis (longitude may wrap only when explicitly allowed).
    #[error("bbox {0} has a minimum greater than its maximum")]
    Order(String),
}

/// An axis-aligned box: `[min_lon, min_lat, max_lon, max_lat]` in degrees (CRS84).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "[f64; 4]", into = "[f64; 4]")]
pub struct Bbox {
    /// West edge, degrees.
    pub min_lon: f64,
    /// South edge, degrees.
    pub min_lat: f64,
    /// East edge, degrees.
    pub max_lon: f64,
    /// North edge, degrees.
    pub max_lat: f64,
}

impl Bbox {
    /// The whole world.
    pub const WORLD: Bbox = Bbox { min_lon: -180.0, min_lat: -90.0, max_lon: 180.0, max_lat: 90.0 };

    /// Validates and builds a box.
    ///
    /// # Errors
    /// When a value is not finite, out of range, or min exceeds max.
    pub fn new(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> Result<Self, BboxError> {
        let b = Bbox { min_lon, min_lat, max_lon, max_lat };
        let text = || format!("[{min_lon}, {min_lat}, {max_lon}, {max_lat}]");
        let lon_ok = |v: f64| v.is_finite() && (-180.0..=180.0).contains(&v);
        let lat_ok = |v: f64| v.is_finite() && (-90.0..=90.0).contains(&v);
        if !(lon_ok(min_lon) && lon_ok(max_lon) && lat_ok(min_lat) && lat_ok(max_lat)) {
            return Err(BboxError::Range(text()));
        }
        if min_lon > max_lon || min_lat > max_lat {
            return Err(BboxError::Order(text()));
        }
        Ok(b)
    }

    /// Parses the `minLon,minLat,maxLon,maxLat` form used in query strings.
    ///
    /// # Errors
    /// When the text is not four numbers, or [`Bbox::new`] refuses them.
    pub fn parse_query(text: &str) -> Result<Self, BboxError> {
        let parts: Vec<f64> = text
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| BboxError::Format(text.to_owned()))?;
        match parts.as_slice() {
            [a, b, c, d] => Bbox::new(*a, *b, *c, *d),
            _ => Err(BboxError::Format(text.to_owned())),
        }
    }

    /// Whether the point lies inside or on the edge.
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        (self.min_lon..=self.max_lon).contains(&lon) && (self.min_lat..=self.max_lat).contains(&lat)
    }
}

impl TryFrom<[f64; 4]> for Bbox {
    type Error = BboxError;
    fn try_from(v: [f64; 4]) -> Result<Self, Self::Error> {
        Bbox::new(v[0], v[1], v[2], v[3])
    }
}

impl From<Bbox> for [f64; 4] {
    fn from(b: Bbox) -> Self {
        [b.min_lon, b.min_lat, b.max_lon, b.max_lat]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_query_form() {
        let b = Bbox::parse_query("98.9, 18.7,99.1,18.9").unwrap();
        assert!(b.contains(98.987, 18.788));
        assert!(!b.contains(104.4, 0.9));
    }

    #[test]
    fn refuses_bad_boxes() {
        assert!(matches!(Bbox::parse_query("1,2,3"), Err(BboxError::Format(_))));
        assert!(matches!(Bbox::parse_query("a,b,c,d"), Err(BboxError::Format(_))));
        assert!(matches!(Bbox::parse_query("0,0,181,1"), Err(BboxError::Range(_))));
        assert!(matches!(Bbox::parse_query("0,0,NaN,1"), Err(BboxError::Range(_))));
        assert!(matches!(Bbox::parse_query("10,0,5,1"), Err(BboxError::Order(_))));
    }

    #[test]
    fn serializes_as_an_array() {
        let b = Bbox::new(1.0, 2.0, 3.0, 4.0).unwrap();
        assert_eq!(serde_json::to_string(&b).unwrap(), "[1.0,2.0,3.0,4.0]");
        assert!(serde_json::from_str::<Bbox>("[3.0,2.0,1.0,4.0]").is_err());
    }
}
