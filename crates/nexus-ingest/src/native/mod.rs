//! Readers that need no GDAL, for the formats users send most. They produce the same rows
//! as the GDAL reader, so checks, repairs, reports and refusals are the same whichever read.

pub mod choose;
mod feature;
mod fgb;
mod fields;
mod geojson;
mod geometry;
mod split;
