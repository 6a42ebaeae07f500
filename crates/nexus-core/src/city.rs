//! Partner cities of the Urban Nexus and the GeoJSON file they are kept in.

use serde::{Deserialize, Serialize};

use crate::ids::CitySlug;

/// A city record that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CityError {
    /// Not a GeoJSON FeatureCollection of the expected shape.
    #[error("cities file is not a valid GeoJSON FeatureCollection of cities: {0}")]
    Shape(String),
    /// A centre outside longitude/latitude range.
    #[error("city '{slug}' has an impossible centre ({lon}, {lat})")]
    Centre {
        /// The city.
        slug: String,
        /// Longitude as given.
        lon: f64,
        /// Latitude as given.
        lat: f64,
    },
    /// Two records share a slug.
    #[error("city '{0}' appears twice")]
    Duplicate(String),
}

/// A city of the atlas (and the properties of its point in `GET /api/cities`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct City {
    /// URL word (`chiang-mai`).
    #[ts(type = "string")]
    pub slug: CitySlug,
    /// English name.
    pub name: String,
    /// Name in the local language and script, when known.
    pub name_local: Option<String>,
    /// ISO 3166-1 alpha-2 country code (`TH`).
    pub country: String,
    /// Role in the programme: `partner`, `phase-1`, `associate`, …
    pub role: String,
    /// Centre longitude, degrees.
    pub lon: f64,
    /// Centre latitude, degrees.
    pub lat: f64,
    /// True when the centre is an illustrative estimate rather than survey data.
    pub approximate: bool,
    /// Where the facts come from.
    pub source: Option<String>,
}

/// The on-disk form: a FeatureCollection of points whose properties are the city fields.
#[derive(Deserialize)]
struct FeatureCollection {
    #[serde(rename = "type")]
    kind: String,
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    geometry: PointGeometry,
    properties: Properties,
}

#[derive(Deserialize)]
struct PointGeometry {
    #[serde(rename = "type")]
    kind: String,
    coordinates: [f64; 2],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Properties {
    slug: CitySlug,
    name: String,
    name_local: Option<String>,
    country: String,
    role: String,
    #[serde(default)]
    approximate: bool,
    source: Option<String>,
}

/// A validated set of cities with distinct slugs.
#[derive(Debug, Clone, PartialEq)]
pub struct CityCollection(pub Vec<City>);

impl CityCollection {
    /// Parses the cities GeoJSON (`data/cities.geojson`).
    ///
    /// # Errors
    /// When the text is not a FeatureCollection of points with the city properties, a
    /// centre is out of range, or a slug repeats.
    pub fn from_geojson(text: &str) -> Result<Self, CityError> {
        let fc: FeatureCollection = serde_json::from_str(text).map_err(|e| CityError::Shape(e.to_string()))?;
        if fc.kind != "FeatureCollection" {
            return Err(CityError::Shape(format!("type is '{}'", fc.kind)));
        }
        let mut cities: Vec<City> = Vec::with_capacity(fc.features.len());
        for f in fc.features {
            if f.geometry.kind != "Point" {
                return Err(CityError::Shape(format!(
                    "city '{}' is a {}, not a Point",
                    f.properties.slug, f.geometry.kind
                )));
            }
            let [lon, lat] = f.geometry.coordinates;
            let p = f.properties;
            if !(lon.is_finite() && lat.is_finite() && (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat))
            {
                return Err(CityError::Centre { slug: p.slug.to_string(), lon, lat });
            }
            if cities.iter().any(|c| c.slug == p.slug) {
                return Err(CityError::Duplicate(p.slug.to_string()));
            }
            cities.push(City {
                slug: p.slug,
                name: p.name,
                name_local: p.name_local,
                country: p.country,
                role: p.role,
                lon,
                lat,
                approximate: p.approximate,
                source: p.source,
            });
        }
        Ok(CityCollection(cities))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","geometry":{"type":"Point","coordinates":[98.987,18.788]},
         "properties":{"slug":"chiang-mai","name":"Chiang Mai","name_local":"เชียงใหม่",
                       "country":"TH","role":"partner","approximate":true,"source":"GIZ"}}]}"#;

    #[test]
    fn parses_a_city() {
        let c = CityCollection::from_geojson(ONE).unwrap();
        assert_eq!(c.0.len(), 1);
        assert_eq!(c.0[0].slug.as_str(), "chiang-mai");
        assert_eq!(c.0[0].name_local.as_deref(), Some("เชียงใหม่"));
        assert!((c.0[0].lon - 98.987).abs() < 1e-12);
    }

    #[test]
    fn refuses_duplicates_bad_centres_and_bad_slugs() {
        let dup = ONE.replace("}}]}", "}},") + &ONE[ONE.find("{\"type\":\"Feature\"").unwrap()..];
        assert_eq!(CityCollection::from_geojson(&dup), Err(CityError::Duplicate("chiang-mai".into())));
        let far = ONE.replace("98.987", "198.987");
        assert!(matches!(CityCollection::from_geojson(&far), Err(CityError::Centre { .. })));
        let bad = ONE.replace("chiang-mai", "Chiang Mai");
        assert!(matches!(CityCollection::from_geojson(&bad), Err(CityError::Shape(_))));
    }
}
