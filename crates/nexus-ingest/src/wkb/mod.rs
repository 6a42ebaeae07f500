//! A single pass over a WKB geometry that checks what a layer may hold and fixes what can
//! be fixed losslessly.
//!
//! It refuses non-finite coordinates, coordinates outside longitude/latitude range and
//! mixed geometry families (naming the offending coordinate), closes unclosed rings, and
//! turns a collection of one family into the matching multi-geometry. Everything that
//! needs real geometry work (self-intersections, spikes) is left to GEOS and PostGIS.
//! Scanning allocates nothing; only a geometry that needs fixing is rewritten.

mod scan;
#[cfg(test)]
mod tests;

pub use scan::scan;
