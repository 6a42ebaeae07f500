//! How far a long job (an ingest, an export) has got: the CLI draws a progress bar with it.

/// Told how far an ingest or export has got.
pub trait Progress: Send + Sync {
    /// The file is open; `total` features when known.
    fn start(&self, total: Option<u64>);
    /// `read` features read so far.
    fn update(&self, read: u64);
    /// Done (successfully or not).
    fn finish(&self);
    /// A second stage begins (an export's conversion by GDAL); `update` counts from zero again.
    fn stage(&self, _what: &str) {}
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _total: Option<u64>) {}
    fn update(&self, _read: u64) {}
    fn finish(&self) {}
}
