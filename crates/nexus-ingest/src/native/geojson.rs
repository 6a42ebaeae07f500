//! Thread A of an ingest for GeoJSON and GeoJSON sequences, without GDAL: one pass over the
//! file (GDAL's driver reads it twice, once to learn the fields), features cut out of the
//! stream one at a time and parsed from their own bytes. Files that need a coordinate
//! transformation (a `crs` member naming something other than WGS 84, or `source_crs`) go to
//! GDAL's reader, which knows every coordinate system.

use std::cell::RefCell;
use std::rc::Rc;

use nexus_service::gis::{Format, IngestError};
use tokio::sync::mpsc;

use super::feature::{self, Bad};
use super::fields::Fields;
use super::split::{SplitError, Splitter};
use crate::archive::{Budget, Gunzipping};
use crate::rows::{Native, Opened, Raw, RawMsg, RawOutcome, BATCH_BYTES, BATCH_ROWS};
use crate::source::Source;

/// `crs` members that say WGS 84 longitude/latitude, as GeoJSON means its coordinates.
fn is_wgs84(member: &[u8]) -> bool {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(member) else { return false };
    let name = v.pointer("/properties/name").and_then(serde_json::Value::as_str).unwrap_or_default();
    v["type"] == "name"
        && matches!(
            name,
            "EPSG:4326"
                | "urn:ogc:def:crs:EPSG::4326"
                | "urn:ogc:def:crs:OGC:1.3:CRS84"
                | "urn:ogc:def:crs:OGC::CRS84"
                | "OGC:CRS84"
                | "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
        )
}

/// Whether the members read so far name a coordinate system other than WGS 84.
fn names_other_crs(members: &[(String, Vec<u8>)]) -> bool {
    members.iter().any(|(k, v)| k == "crs" && !is_wgs84(v))
}

/// Reads the layer of `source`, sending batches of rows to the checker.
///
/// # Errors
/// A broken file (with the byte or feature where it breaks), or the checker gone.
pub fn read(source: &Source, tx: &mpsc::Sender<RawMsg>) -> Result<Native, IngestError> {
    let refused = Rc::new(RefCell::new(None));
    let path = std::path::Path::new(&source.gdal_path);
    let input: Box<dyn std::io::Read> = if source.gzipped {
        Box::new(Gunzipping::open(path, Budget::new(&source.file_name, source.limits), Rc::clone(&refused))?)
    } else {
        Box::new(
            std::fs::File::open(path).map_err(|e| IngestError::Io { path: path.to_owned(), reason: e.to_string() })?,
        )
    };
    let mut r = Reader {
        source,
        tx,
        refused,
        sp: Splitter::new(input, source.format == Format::GeoJsonSeq),
        fields: Fields::default(),
        out: RawOutcome { crs: Some("EPSG:4326".into()), ..RawOutcome::default() },
        batch: Vec::with_capacity(BATCH_ROWS),
        batch_bytes: 0,
        opened: false,
    };
    let done = if source.format == Format::GeoJsonSeq { r.sequence() } else { r.collection() }?;
    if !done {
        return Ok(Native::UseGdal);
    }
    r.open(None)?;
    r.flush()?;
    r.out.fields = r.fields.defs();
    Ok(Native::Read(r.out))
}

struct Reader<'a> {
    source: &'a Source,
    tx: &'a mpsc::Sender<RawMsg>,
    /// Why expanding a compressed file was stopped (its limits), if it was.
    refused: Rc<RefCell<Option<IngestError>>>,
    sp: Splitter<Box<dyn std::io::Read>>,
    fields: Fields,
    out: RawOutcome,
    batch: Vec<Raw>,
    batch_bytes: usize,
    opened: bool,
}

impl Reader<'_> {
    fn unreadable(&self, reason: String) -> IngestError {
        IngestError::Unreadable { file: self.source.file_name.clone(), format: self.source.format.name(), reason }
    }

    fn split(&self, e: &SplitError) -> IngestError {
        self.refused.borrow_mut().take().unwrap_or_else(|| self.unreadable(e.to_string()))
    }

    /// Tells the checker the file is open (once), naming the layer `name` or after the file.
    fn open(&mut self, name: Option<String>) -> Result<(), IngestError> {
        if self.opened {
            return Ok(());
        }
        self.opened = true;
        let stem = self.source.file_name.trim_end_matches(".gz");
        let stem = std::path::Path::new(stem).file_stem().map(|s| s.to_string_lossy().into_owned());
        let opened = Opened {
            total: None,
            source_layer: name.or(stem).unwrap_or_default(),
            source_crs: self.out.crs.clone(),
            declared: None,
        };
        self.tx.blocking_send(RawMsg::Opened(opened)).map_err(|_| stopped())
    }

    fn feature(&mut self, bytes: &[u8]) -> Result<(), IngestError> {
        self.out.read += 1;
        let n = self.out.read;
        let read = feature::read(n, bytes, &mut self.fields).map_err(|e| match e {
            Bad::Syntax(m) => self.unreadable(format!("feature {n}: {m}")),
            Bad::Feature(reason) => IngestError::Read { file: self.source.file_name.clone(), feature: n, reason },
        })?;
        self.out.z_dropped |= read.z_dropped;
        self.batch_bytes += read.raw.wkb.as_ref().map_or(0, Vec::len) + read.raw.props.len();
        self.batch.push(read.raw);
        if self.batch.len() >= BATCH_ROWS || self.batch_bytes >= BATCH_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), IngestError> {
        self.batch_bytes = 0;
        if self.batch.is_empty() {
            return Ok(());
        }
        self.tx.blocking_send(RawMsg::Rows(std::mem::take(&mut self.batch))).map_err(|_| stopped())
    }

    /// A GeoJSON text sequence: one feature after another.
    fn sequence(&mut self) -> Result<bool, IngestError> {
        self.open(None)?;
        while self.sp.peek().map_err(|e| self.split(&e))?.is_some() {
            let bytes = self.sp.value().map_err(|e| self.split(&e))?;
            self.feature(&bytes)?;
        }
        Ok(true)
    }

    /// A FeatureCollection (or a lone Feature). False when it is GDAL's to read.
    fn collection(&mut self) -> Result<bool, IngestError> {
        let sp = |r: &Self, e| r.split(&e);
        if self.sp.peek().map_err(|e| sp(self, e))? != Some(b'{') {
            return Err(self.unreadable("it is not a JSON object (a GeoJSON file starts with '{')".into()));
        }
        self.sp.expect(b'{').map_err(|e| sp(self, e))?;
        let mut members: Vec<(String, Vec<u8>)> = Vec::new();
        let mut features = false;
        if self.sp.peek().map_err(|e| sp(self, e))? == Some(b'}') {
            self.sp.expect(b'}').map_err(|e| sp(self, e))?;
        } else {
            loop {
                let key = self.sp.key().map_err(|e| sp(self, e))?;
                self.sp.expect(b':').map_err(|e| sp(self, e))?;
                if key == "features" && features {
                    return Err(self.unreadable("it has two \"features\" members".into()));
                }
                if key == "features" {
                    features = true;
                    if names_other_crs(&members) {
                        return Ok(false);
                    }
                    let name = members
                        .iter()
                        .find(|(k, _)| k == "name")
                        .and_then(|(_, v)| serde_json::from_slice::<String>(v).ok());
                    self.open(name)?;
                    self.features()?;
                } else {
                    let value = self.sp.value().map_err(|e| sp(self, e))?;
                    // Members other than the features are only cut out; still, they must be JSON.
                    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&value) {
                        return Err(
                            self.unreadable(format!("its \"{}\" member is not valid JSON: {e}", key.escape_default()))
                        );
                    }
                    if key == "crs" && features && !is_wgs84(&value) {
                        return Err(IngestError::BadCrs {
                            crs: String::from_utf8_lossy(&value).into_owned(),
                            reason: "the file names it after its features; put the crs member before them, or name the coordinate system with source_crs".into(),
                        });
                    }
                    members.push((key, value));
                }
                if !self.sp.next_or(b'}').map_err(|e| sp(self, e))? {
                    break;
                }
            }
        }
        if let Some(b) = self.sp.peek().map_err(|e| sp(self, e))? {
            return Err(
                self.unreadable(format!("there is more after the end of the JSON object ('{}')", b.escape_ascii()))
            );
        }
        if !features {
            return self.lone(&members);
        }
        Ok(true)
    }

    /// The elements of the `features` array.
    fn features(&mut self) -> Result<(), IngestError> {
        let sp = |r: &Self, e| r.split(&e);
        self.sp.expect(b'[').map_err(|e| sp(self, e))?;
        if self.sp.peek().map_err(|e| sp(self, e))? == Some(b']') {
            return self.sp.expect(b']').map_err(|e| sp(self, e));
        }
        loop {
            let bytes = self.sp.value().map_err(|e| sp(self, e))?;
            self.feature(&bytes)?;
            if !self.sp.next_or(b']').map_err(|e| sp(self, e))? {
                return Ok(());
            }
        }
    }

    /// A file holding one Feature rather than a collection.
    fn lone(&mut self, members: &[(String, Vec<u8>)]) -> Result<bool, IngestError> {
        let ty = members.iter().find(|(k, _)| k == "type").and_then(|(_, v)| serde_json::from_slice::<String>(v).ok());
        if ty.as_deref() != Some("Feature") {
            return Err(self.unreadable(format!(
                "it is not a FeatureCollection or a Feature (its type is {})",
                ty.map_or_else(|| "missing".to_owned(), |t| format!("\"{t}\""))
            )));
        }
        if names_other_crs(members) {
            return Ok(false);
        }
        let mut whole = b"{".to_vec();
        for (i, (k, v)) in members.iter().enumerate() {
            if i > 0 {
                whole.push(b',');
            }
            whole.extend_from_slice(&serde_json::to_vec(k).unwrap_or_default());
            whole.push(b':');
            whole.extend_from_slice(v);
        }
        whole.push(b'}');
        self.open(None)?;
        self.feature(&whole)?;
        Ok(true)
    }
}

fn stopped() -> IngestError {
    IngestError::Task("the writer stopped".into())
}
