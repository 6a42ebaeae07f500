//! GIS files in and out, behind one door ([`GisFiles`]): the request and report of an
//! ingest, its errors, the formats read, and exports.

mod door;
mod error;
mod export;
mod format;
mod options;
mod progress;
mod report;
pub mod settings;

pub use door::{Conversion, DoorFuture, GisFiles};
pub use error::IngestError;
pub use export::{export, ExportJob};
pub use format::{Format, FormatError};
pub use options::{sidecar_path, IngestOptions, Limits, Sidecar, SidecarLayer};
pub use progress::{NoProgress, Progress};
pub use report::{Action, Counts, IngestReport, Issue, MAX_ISSUES};
