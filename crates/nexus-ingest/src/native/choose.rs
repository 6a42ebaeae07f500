//! Which reader reads a file: a native one when the file is of a format one reads and nothing
//! asks for GDAL (decided once, by `source::prepare`), GDAL's otherwise.

use nexus_service::gis::{Format, IngestError};
use tokio::sync::mpsc;

use super::{fgb, geojson};
use crate::rows::{Native, RawMsg, RawOutcome};
use crate::source::Source;

/// Reads `source` natively when it can: the outcome, or `None` when the file turned out to be
/// GDAL's to read (nothing was sent then).
///
/// # Errors
/// As the reader's.
pub fn read(source: &Source, tx: &mpsc::Sender<RawMsg>) -> Result<Option<RawOutcome>, IngestError> {
    if !source.native {
        return Ok(None);
    }
    let read = if source.format == Format::FlatGeobuf { fgb::read } else { geojson::read };
    Ok(match read(source, tx)? {
        Native::Read(out) => Some(out),
        Native::UseGdal => None,
    })
}
