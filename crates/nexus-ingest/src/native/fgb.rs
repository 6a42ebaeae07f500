//! Thread A for FlatGeobuf without GDAL. The file is framed here (magic bytes, header, index
//! skipped, then size-prefixed features), each size checked against what the file still holds
//! before any buffer is made, and every flatbuffer verified (the `flatgeobuf` crate's
//! generated types); geometry and properties are decoded with bounds checks, so a damaged or
//! hostile file is refused, never a crash or a huge allocation. Files in another coordinate
//! system go to GDAL's reader, as for GeoJSON.

use std::io::{BufReader, Read, Seek, SeekFrom};

use flatgeobuf::{ColumnType, Geometry, GeometryType, Header};
use nexus_core::{FieldDef, FieldType};
use nexus_service::gis::IngestError;
use serde_json::{Map, Value};
use tokio::sync::mpsc;

use crate::looks::Looks;
use crate::rows::{Native, Opened, Raw, RawMsg, RawOutcome, BATCH_BYTES, BATCH_ROWS};
use crate::source::Source;

/// Reads `source`, a FlatGeobuf file, sending batches of rows to the checker.
///
/// # Errors
/// A damaged file (with the feature where it breaks), or the checker gone.
pub fn read(source: &Source, tx: &mpsc::Sender<RawMsg>) -> Result<Native, IngestError> {
    let unreadable =
        |reason: String| IngestError::Unreadable { file: source.file_name.clone(), format: "FlatGeobuf", reason };
    let io = |e: std::io::Error| unreadable(e.to_string());
    let file = std::fs::File::open(&source.gdal_path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let mut r = BufReader::with_capacity(1 << 18, file);
    let mut magic = [0u8; 8];
    r.read_exact(&mut magic).map_err(io)?;
    if &magic[..3] != b"fgb" || &magic[4..7] != b"fgb" {
        return Err(unreadable("it does not start with FlatGeobuf's magic bytes".into()));
    }
    let header_buf = sized(&mut r, 8, len, "the header").map_err(unreadable)?;
    let header = flatgeobuf::size_prefixed_root_as_header(&header_buf)
        .map_err(|e| unreadable(format!("its header is damaged: {e}")))?;
    let crs = header.crs().map(|c| (c.org().unwrap_or("EPSG").to_owned(), c.code()));
    if !matches!(&crs, Some((org, 4326)) if org.eq_ignore_ascii_case("EPSG")) {
        // No coordinate system, or another one: GDAL's reader refuses or transforms it.
        return Ok(Native::UseGdal);
    }
    let columns = Columns::of(&header);
    let mut at = 8 + header_buf.len() as u64;
    if header.index_node_size() > 0 && header.features_count() > 0 {
        at = index_end(header.features_count(), header.index_node_size(), at, len).map_err(unreadable)?;
        r.seek(SeekFrom::Start(at)).map_err(io)?;
    }
    let name = header.name().map(str::to_owned);
    let mut out = RawOutcome { crs: Some("EPSG:4326".into()), ..RawOutcome::default() };
    let stopped = || IngestError::Task("the writer stopped".into());
    let opened = Opened {
        total: Some(header.features_count()).filter(|n| *n > 0),
        source_layer: name.unwrap_or_else(|| stem(&source.file_name)),
        source_crs: out.crs.clone(),
        declared: None,
    };
    tx.blocking_send(RawMsg::Opened(opened)).map_err(|_| stopped())?;
    let mut columns = columns;
    let (mut batch, mut bytes) = (Vec::with_capacity(BATCH_ROWS), 0usize);
    while at < len {
        let n = out.read + 1;
        let damaged = |reason: String| IngestError::Read { file: source.file_name.clone(), feature: n, reason };
        let buf = sized(&mut r, at, len, "the feature").map_err(damaged)?;
        at += buf.len() as u64;
        let feature = flatgeobuf::size_prefixed_root_as_feature(&buf)
            .map_err(|e| damaged(format!("its flatbuffer is damaged: {e}")))?;
        out.read = n;
        let mut w = Vec::new();
        let shape = feature.geometry();
        if let Some(g) = &shape {
            out.z_dropped |= g.z().is_some();
            geometry(&mut w, g, header.geometry_type(), 0).map_err(damaged)?;
        }
        let props = match feature.properties() {
            Some(p) => columns.decode(p.bytes()).map_err(damaged)?,
            None => columns.decode(&[]).map_err(damaged)?,
        };
        bytes += w.len() + props.len();
        // A geometry with no coordinates is empty, as GDAL reads it.
        let wkb = has_points(&shape).then_some(w);
        batch.push(Raw { n, wkb, transform_failed: false, props });
        if batch.len() >= BATCH_ROWS || bytes >= BATCH_BYTES {
            tx.blocking_send(RawMsg::Rows(std::mem::take(&mut batch))).map_err(|_| stopped())?;
            bytes = 0;
        }
    }
    if !batch.is_empty() {
        tx.blocking_send(RawMsg::Rows(batch)).map_err(|_| stopped())?;
    }
    out.fields = columns.defs();
    Ok(Native::Read(out))
}

/// Where the spatial index that starts at `at` ends. An index holds 40 bytes per feature at
/// least: a count the file cannot hold, or a node size below the format's 2, is damage (and
/// would overflow or panic the crate's arithmetic).
fn index_end(count: u64, node_size: u16, at: u64, len: u64) -> Result<u64, String> {
    if node_size < 2 || count > len / 40 {
        return Err(format!(
            "its header claims {count} features with an index of node size {node_size}, which the file cannot hold"
        ));
    }
    let n = usize::try_from(count).map_err(|e| e.to_string())?;
    let end = at.saturating_add(flatgeobuf::packed_r_tree::PackedRTree::index_size(n, node_size) as u64);
    if end > len {
        return Err(format!("its index runs past the end of the file (to byte {end} of {len})"));
    }
    Ok(end)
}

fn stem(file_name: &str) -> String {
    std::path::Path::new(file_name).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// A size-prefixed block at `at`, its size checked against the `len` bytes of the file.
fn sized(r: &mut impl Read, at: u64, len: u64, what: &str) -> Result<Vec<u8>, String> {
    let mut size = [0u8; 4];
    r.read_exact(&mut size).map_err(|e| format!("{what} at byte {at} cannot be read: {e}"))?;
    let n = u64::from(u32::from_le_bytes(size));
    if n == 0 || at + 4 + n > len {
        return Err(format!("{what} at byte {at} says it is {n} bytes long, more than the file holds"));
    }
    let mut buf = size.to_vec();
    buf.resize(4 + usize::try_from(n).map_err(|e| e.to_string())?, 0);
    r.read_exact(&mut buf[4..]).map_err(|e| format!("{what} at byte {at} cannot be read: {e}"))?;
    Ok(buf)
}

fn has_points(g: &Option<Geometry<'_>>) -> bool {
    g.as_ref().is_some_and(|g| {
        g.xy().is_some_and(|xy| !xy.is_empty()) || g.parts().is_some_and(|p| p.iter().any(|p| has_points(&Some(p))))
    })
}

/// Appends `g` (of type `ty` when the header says it, else its own) as WKB.
fn geometry(w: &mut Vec<u8>, g: &Geometry<'_>, ty: GeometryType, depth: u8) -> Result<(), String> {
    let ty = if ty == GeometryType::Unknown { g.type_() } else { ty };
    if depth > 8 {
        return Err("its geometry collections are nested too deep".into());
    }
    let xy: Vec<f64> = g.xy().map(|v| v.iter().collect()).unwrap_or_default();
    if !xy.len().is_multiple_of(2) {
        return Err("its geometry has an odd number of coordinates".into());
    }
    let points = xy.len() / 2;
    let ends: Vec<usize> = match g.ends() {
        Some(e) => e.iter().map(|e| e as usize).collect(),
        None => vec![points],
    };
    if ends.windows(2).any(|p| p[0] > p[1]) || ends.last().is_some_and(|l| *l > points) {
        return Err("its geometry's ring or part ends are out of order".into());
    }
    let header = |w: &mut Vec<u8>, code: u32| {
        w.push(1);
        w.extend_from_slice(&code.to_le_bytes());
    };
    let count = |w: &mut Vec<u8>, n: usize| w.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
    let run = |w: &mut Vec<u8>, from: usize, to: usize| {
        count(w, to - from);
        for v in &xy[from * 2..to * 2] {
            w.extend_from_slice(&v.to_le_bytes());
        }
    };
    let spans: Vec<(usize, usize)> =
        ends.iter().scan(0, |start, end| Some((std::mem::replace(start, *end), *end))).collect();
    match ty {
        GeometryType::Point => {
            header(w, 1);
            let p = if points == 0 { [f64::NAN, f64::NAN] } else { [xy[0], xy[1]] };
            p.iter().for_each(|v| w.extend_from_slice(&v.to_le_bytes()));
        }
        GeometryType::LineString => {
            header(w, 2);
            run(w, 0, points);
        }
        GeometryType::Polygon => {
            header(w, 3);
            count(w, spans.len());
            spans.iter().for_each(|(a, b)| run(w, *a, *b));
        }
        GeometryType::MultiPoint => {
            header(w, 4);
            count(w, points);
            for p in xy.chunks(2) {
                header(w, 1);
                p.iter().for_each(|v| w.extend_from_slice(&v.to_le_bytes()));
            }
        }
        GeometryType::MultiLineString => {
            header(w, 5);
            count(w, spans.len());
            for (a, b) in &spans {
                header(w, 2);
                run(w, *a, *b);
            }
        }
        GeometryType::MultiPolygon | GeometryType::GeometryCollection => {
            header(w, if ty == GeometryType::MultiPolygon { 6 } else { 7 });
            let parts: Vec<Geometry<'_>> = g.parts().map(|p| p.iter().collect()).unwrap_or_default();
            count(w, parts.len());
            let part_ty = if ty == GeometryType::MultiPolygon { GeometryType::Polygon } else { GeometryType::Unknown };
            for p in &parts {
                geometry(w, p, part_ty, depth + 1)?;
            }
        }
        other => return Err(format!("its geometry type {other:?} is not a simple feature Nexus Atlas stores")),
    }
    Ok(())
}

/// The columns of the header, and what their text values looked like.
struct Columns {
    cols: Vec<(String, ColumnType)>,
    looks: Vec<Looks>,
}

impl Columns {
    fn of(header: &Header<'_>) -> Columns {
        let cols: Vec<(String, ColumnType)> =
            header.columns().map(|c| c.iter().map(|c| (c.name().to_owned(), c.type_())).collect()).unwrap_or_default();
        let looks = vec![Looks::Unseen; cols.len()];
        Columns { cols, looks }
    }

    fn defs(&self) -> Vec<FieldDef> {
        self.cols
            .iter()
            .zip(&self.looks)
            .map(|((name, ty), looks)| {
                let ty = match *ty {
                    ColumnType::Bool => FieldType::Boolean,
                    ColumnType::Float | ColumnType::Double => FieldType::Number,
                    ColumnType::Json => FieldType::Object,
                    ColumnType::DateTime => FieldType::DateTime,
                    ColumnType::String => looks.refine(FieldType::String),
                    ColumnType::Binary => FieldType::String,
                    _ => FieldType::Integer,
                };
                FieldDef { name: name.clone(), ty }
            })
            .collect()
    }

    /// The properties as a JSON object: every column, null where the feature has no value.
    fn decode(&mut self, b: &[u8]) -> Result<String, String> {
        let mut values: Vec<Value> = vec![Value::Null; self.cols.len()];
        let mut at = 0usize;
        let short = || "its properties end in the middle of a value".to_owned();
        let take = |at: &mut usize, n: usize| -> Result<&[u8], String> {
            let s = b.get(*at..*at + n).ok_or_else(short)?;
            *at += n;
            Ok(s)
        };
        while at + 1 < b.len() {
            let i = usize::from(u16::from_le_bytes(take(&mut at, 2)?.try_into().map_err(|_| short())?));
            let (_, ty) =
                self.cols.get(i).ok_or_else(|| format!("its properties name column {i}, which the header lacks"))?;
            let fixed = |at: &mut usize, n: usize| take(at, n).map(<[u8]>::to_vec);
            let v = match *ty {
                ColumnType::Byte => Value::from(i8::from_le_bytes(arr(&fixed(&mut at, 1)?)?)),
                ColumnType::UByte => Value::from(fixed(&mut at, 1)?[0]),
                ColumnType::Bool => Value::Bool(fixed(&mut at, 1)?[0] != 0),
                ColumnType::Short => Value::from(i16::from_le_bytes(arr(&fixed(&mut at, 2)?)?)),
                ColumnType::UShort => Value::from(u16::from_le_bytes(arr(&fixed(&mut at, 2)?)?)),
                ColumnType::Int => Value::from(i32::from_le_bytes(arr(&fixed(&mut at, 4)?)?)),
                ColumnType::UInt => Value::from(u32::from_le_bytes(arr(&fixed(&mut at, 4)?)?)),
                ColumnType::Long => Value::from(i64::from_le_bytes(arr(&fixed(&mut at, 8)?)?)),
                ColumnType::ULong => Value::from(u64::from_le_bytes(arr(&fixed(&mut at, 8)?)?)),
                ColumnType::Float => number(f64::from(f32::from_le_bytes(arr(&fixed(&mut at, 4)?)?))),
                ColumnType::Double => number(f64::from_le_bytes(arr(&fixed(&mut at, 8)?)?)),
                ColumnType::String | ColumnType::Json | ColumnType::DateTime | ColumnType::Binary => {
                    let n = u32::from_le_bytes(arr(&fixed(&mut at, 4)?)?) as usize;
                    let raw = take(&mut at, n)?;
                    let text = match *ty {
                        ColumnType::Binary => raw.iter().map(|b| format!("{b:02X}")).collect(),
                        _ => std::str::from_utf8(raw)
                            .map_err(|_| format!("its value of column {i} is not UTF-8 text"))?
                            .to_owned(),
                    };
                    if *ty == ColumnType::Json {
                        serde_json::from_str(&text).unwrap_or(Value::String(text))
                    } else {
                        if *ty == ColumnType::String {
                            self.looks[i] = self.looks[i].and(Looks::of(&text));
                        }
                        Value::String(text)
                    }
                }
                other => return Err(format!("its column {i} has a type this reader does not know ({other:?})")),
            };
            values[i] = v;
        }
        let map: Map<String, Value> = self.cols.iter().map(|(n, _)| n.clone()).zip(values).collect();
        Ok(Value::Object(map).to_string())
    }
}

fn arr<const N: usize>(b: &[u8]) -> Result<[u8; N], String> {
    b.try_into().map_err(|_| "its properties end in the middle of a value".to_owned())
}

fn number(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::index_end;

    #[test]
    fn an_index_the_file_cannot_hold_is_damage_not_a_panic() {
        // Two features, node size 16: a root node and two leaves, 3 × 40 bytes.
        assert_eq!(index_end(2, 16, 100, 1000), Ok(220));
        assert!(index_end(1, 1, 100, 1000).unwrap_err().contains("node size 1"));
        assert!(index_end(1 << 62, 16, 100, 1000).unwrap_err().contains("cannot hold"));
        assert!(index_end(24, 16, 100, 1000).unwrap_err().contains("past the end of the file"));
    }
}
