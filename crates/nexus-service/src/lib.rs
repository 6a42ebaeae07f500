//! Nexus Atlas services: what the HTTP server and the command line both run, between the
//! store and the edges.
//!
//! - [`tiles`]: the tile service (catalog, byte-bounded cache with lazy compression,
//!   pre-rendering of the low zooms, following changes from every instance).
//! - [`nexus_worker`]: keeps the Nexus overlays current after every change.
//! - [`glyphs`]: the glyphs of the map's labels, rendered from the machine's fonts.
//! - [`snapshot`]: the public atlas as static files (a PMTiles archive of its layers).
//! - [`gis`]: ingest and export of GIS files behind one door, the [`gis::GisFiles`] trait.
//!   GDAL lives behind it (in `nexus-ingest`, handed in by the binary), so this crate and
//!   the HTTP crate never link GDAL.
//!
//! No HTTP here, no SQL text (that is `nexus-store`), no GDAL.

pub mod accounts;
pub mod gis;
pub mod glyphs;
pub mod nexus_worker;
pub mod pages;
pub mod picture;
pub mod scratch;
pub mod snapshot;
pub mod tiles;
