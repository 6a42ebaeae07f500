//! What an ingest's threads hand each other: the reader's raw features, the checker's rows
//! ready for the database, and what each found besides (shared by the GDAL reader and the
//! native ones).

use nexus_core::{FieldDef, GeometryFamily};
use nexus_service::gis::{Action, Counts, Issue};

/// Rows per batch sent to the writer.
pub(crate) const BATCH_ROWS: usize = 256;
/// Bytes of WKB per batch before it is sent early.
pub(crate) const BATCH_BYTES: usize = 1 << 18;

/// A feature as read (by GDAL or a native reader), before checks: its WKB in EPSG:4326
/// (`None` when it has no geometry, `Some(empty)` when the reprojection failed) and its
/// properties.
#[derive(Debug)]
pub struct Raw {
    /// 1-based number in the source layer.
    pub n: u64,
    /// WKB, or `None` for no geometry.
    pub wkb: Option<Vec<u8>>,
    /// True when the coordinates could not be reprojected.
    pub transform_failed: bool,
    /// Properties as a JSON object.
    pub props: String,
}

/// What the reading thread sends to the checking thread.
#[derive(Debug)]
pub enum RawMsg {
    /// The file is open.
    Opened(Opened),
    /// Features read.
    Rows(Vec<Raw>),
}

/// A feature ready for the database.
#[derive(Debug)]
pub struct Row {
    /// 1-based number in the source layer.
    pub n: u64,
    /// 2D WKB in EPSG:4326.
    pub wkb: Vec<u8>,
    /// Properties as a JSON object.
    pub props: String,
    /// False when GEOS found it invalid (PostGIS will repair it).
    pub valid: bool,
}

/// What the reader sends.
#[derive(Debug)]
pub enum Msg {
    /// The file is open; here is what it holds.
    Opened(Opened),
    /// Ready rows.
    Rows(Vec<Row>),
}

/// Facts known once the file is open.
#[derive(Debug, Clone)]
pub struct Opened {
    /// Feature count, when the format knows it cheaply.
    pub total: Option<u64>,
    /// The layer read inside the file.
    pub source_layer: String,
    /// Its coordinate system (`EPSG:32647`).
    pub source_crs: Option<String>,
    /// The geometry family the layer declares (shapefiles do), if any.
    pub declared: Option<GeometryFamily>,
}

/// What the reader found, for the report.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    /// Counts (read, repaired, dropped, refused).
    pub counts: Counts,
    /// Issues, at most `MAX_ISSUES`.
    pub issues: Vec<Issue>,
    /// More issues than listed.
    pub truncated: bool,
    /// Whole-file remarks.
    pub warnings: Vec<String>,
    /// The layer's geometry family.
    pub family: Option<GeometryFamily>,
    /// Extent of the rows sent to the writer.
    pub bbox: Option<[f64; 4]>,
}

impl ReadOutcome {
    pub(crate) fn push(&mut self, feature: u64, reason: String, action: Action) {
        self.counts.count(action);
        Issue { feature, reason, action }.append_to(&mut self.issues, &mut self.truncated);
    }
}

/// How the reader should behave.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Coordinate system to assume.
    pub source_crs: Option<String>,
    /// Layer inside the file.
    pub source_layer: Option<String>,
    /// Leave out features without geometry instead of refusing them.
    pub drop_empty: bool,
    /// The family already in the layer (append), which new features must match.
    pub family: Option<GeometryFamily>,
}

/// What the reading thread found besides the rows.
#[derive(Debug, Default)]
pub struct RawOutcome {
    /// Features read.
    pub read: u64,
    /// The family the layer declares (shapefiles do), if any.
    pub declared: Option<GeometryFamily>,
    /// Z or M values were dropped.
    pub z_dropped: bool,
    /// The source coordinate system's label.
    pub crs: Option<String>,
    /// The fields, typed by what they held (text fields of dates become date fields).
    pub fields: Vec<FieldDef>,
}

/// What a native reader did.
pub enum Native {
    /// Read the whole layer.
    Read(RawOutcome),
    /// Sent nothing: this file is GDAL's to read.
    UseGdal,
}
