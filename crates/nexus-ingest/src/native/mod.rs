//! Readers that need no GDAL, for the formats users send most. They produce the same rows
//! as the GDAL reader, so checks, repairs, reports and refusals are the same whichever read.

mod feature;
pub mod fgb;
mod fields;
pub mod geojson;
mod geometry;
mod split;
