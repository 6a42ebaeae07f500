//! Static snapshots of the public atlas for any static host, object store or CDN: the
//! layers' tiles as one PMTiles archive. Nothing in a snapshot needs a server or a database.

mod archive;
mod error;
mod spool;

pub use archive::{write_pmtiles, ArchiveReport, LayerTiles, MAX_ARCHIVE_ZOOM};
pub use error::SnapshotError;
