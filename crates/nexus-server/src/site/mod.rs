//! `nexus export-site DIR`: the public atlas as files any static host, object store or CDN
//! serves, with no server and no database behind it. The map's own build, told by a `<meta>`
//! in its page to read static files; the public layers' tiles as one PMTiles archive (read by
//! the `pmtiles` protocol in the page); the projects as GeoJSON; and every JSON document the
//! public map asks for, answered by this server's own routes in-process (anonymous, so a
//! draft never reaches the snapshot), each written where the page looks for it.

mod error;
mod export;
mod files;

pub use error::SiteError;
pub use export::{export_site, SiteReport, ARCHIVE, PROJECTS, STATIC};
pub use files::MANIFEST;
