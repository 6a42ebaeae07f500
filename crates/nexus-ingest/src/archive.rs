//! Compressed files and archives, expanded into a private scratch folder before GDAL sees
//! them. Bytes are counted as they are written, not taken from headers (a zip entry's header
//! can lie), so a bomb is stopped at the limit however it declares itself.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use nexus_service::gis::{IngestError, Limits};

/// Compression ratios are only judged past this many expanded bytes: small files can
/// compress extremely well without harm.
const RATIO_FLOOR: u64 = 16 << 20;

/// How many bytes may still be expanded, shared by all entries of one file.
pub struct Budget {
    file: String,
    limits: Limits,
    written: u64,
}

impl Budget {
    pub fn new(file: &str, limits: Limits) -> Self {
        Budget { file: file.to_owned(), limits, written: 0 }
    }

    fn too_large(&self, reason: String) -> IngestError {
        IngestError::TooLarge { file: self.file.clone(), reason }
    }

    /// Copies `from` into a new file `to` under the limits (see [`Budget::pour`]).
    fn copy(&mut self, from: &mut dyn Read, to: &Path, compressed: &dyn Fn() -> u64) -> Result<(), IngestError> {
        let io = |e: std::io::Error| IngestError::Io { path: to.to_owned(), reason: e.to_string() };
        let mut out = std::io::BufWriter::new(File::create(to).map_err(io)?);
        self.pour(from, compressed, &mut |piece| out.write_all(piece).map_err(io))?;
        out.flush().map_err(io)
    }

    /// Streams `from` to `sink` a piece at a time, refusing once the file would expand beyond
    /// the limit or, judged against `compressed()` bytes read so far, beyond the ratio.
    fn pour(
        &mut self,
        from: &mut dyn Read,
        compressed: &dyn Fn() -> u64,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), IngestError>,
    ) -> Result<(), IngestError> {
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = from.read(&mut buf).map_err(|e| IngestError::Unreadable {
                file: self.file.clone(),
                format: "a compressed file",
                reason: e.to_string(),
            })?;
            if n == 0 {
                return Ok(());
            }
            self.admit(n as u64, compressed())?;
            sink(&buf[..n])?;
        }
    }

    /// Counts `n` more expanded bytes, from `compressed` bytes read so far, against the limits.
    fn admit(&mut self, n: u64, compressed: u64) -> Result<(), IngestError> {
        self.written += n;
        if self.written > self.limits.max_uncompressed {
            return Err(self.too_large(format!(
                "it expands to more than {} MiB, the most this server accepts (max_uncompressed_mb)",
                self.limits.max_uncompressed >> 20
            )));
        }
        let ratio = self.written / compressed.max(1);
        if self.written > RATIO_FLOOR && ratio > self.limits.max_ratio {
            return Err(self.too_large(format!(
                "it expands more than {ratio}:1 ({} MiB so far), which looks like a compression bomb",
                self.written >> 20
            )));
        }
        Ok(())
    }
}

/// A gzip file expanded as it is read, under the same limits as [`gunzip`]; a breach ends
/// the stream with an error and leaves the reason in [`Gunzipping::refused`].
pub struct Gunzipping {
    gz: Decoder,
    count: std::rc::Rc<std::cell::Cell<u64>>,
    budget: Budget,
    refused: std::rc::Rc<std::cell::RefCell<Option<IngestError>>>,
}

impl Gunzipping {
    /// Opens `path`; `refused` receives the reason if the limits stop the stream.
    pub fn open(
        path: &Path,
        budget: Budget,
        refused: std::rc::Rc<std::cell::RefCell<Option<IngestError>>>,
    ) -> Result<Self, IngestError> {
        let (gz, count) = decoder(path)?;
        Ok(Gunzipping { gz, count, budget, refused })
    }
}

impl Read for Gunzipping {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.gz.read(buf)?;
        if let Err(e) = self.budget.admit(n as u64, self.count.get()) {
            let said = e.to_string();
            *self.refused.borrow_mut() = Some(e);
            return Err(std::io::Error::other(said));
        }
        Ok(n)
    }
}

/// Counts the bytes read through it.
struct Counted<R> {
    inner: R,
    count: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Expands a gzip file (all its members) to `dest`.
pub fn gunzip(path: &Path, dest: &Path, budget: &mut Budget) -> Result<(), IngestError> {
    let (mut gz, count) = decoder(path)?;
    budget.copy(&mut gz, dest, &|| count.get())
}

type Decoder = flate2::read::MultiGzDecoder<Counted<BufReader<File>>>;

/// A decoder of every member of the gzip file at `path`, and the count of compressed bytes it
/// has read (for the ratio).
fn decoder(path: &Path) -> Result<(Decoder, std::rc::Rc<std::cell::Cell<u64>>), IngestError> {
    let f = File::open(path).map_err(|e| IngestError::Io { path: path.to_owned(), reason: e.to_string() })?;
    let count = std::rc::Rc::new(std::cell::Cell::new(0));
    let counted = Counted { inner: BufReader::with_capacity(1 << 16, f), count: count.clone() };
    Ok((flate2::read::MultiGzDecoder::new(counted), count))
}

/// Opens a zip and checks every entry: no path leaving the archive, a bounded number of
/// entries, and (as far as the headers tell) a bounded expanded size.
fn checked_zip(path: &Path, budget: &Budget) -> Result<zip::ZipArchive<File>, IngestError> {
    let file = &budget.file;
    let refuse = |reason: String| IngestError::UnsafeArchive { file: file.clone(), reason };
    let f = File::open(path).map_err(|e| IngestError::Io { path: path.to_owned(), reason: e.to_string() })?;
    let mut zip = zip::ZipArchive::new(f).map_err(|e| IngestError::Unreadable {
        file: file.clone(),
        format: "a zip archive",
        reason: e.to_string(),
    })?;
    let limits = budget.limits;
    if zip.len() > limits.max_entries {
        return Err(refuse(format!("it holds {} entries (at most {} allowed)", zip.len(), limits.max_entries)));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let e = zip.by_index_raw(i).map_err(|e| refuse(format!("entry {i} is unreadable ({e})")))?;
        let name = e.name().to_owned();
        if e.enclosed_name().is_none() || name.contains('\\') {
            return Err(refuse(format!("entry '{}' points outside the archive (zip-slip)", name.escape_default())));
        }
        total = total.saturating_add(e.size());
        let ratio = e.size() / e.compressed_size().max(1);
        if e.size() > RATIO_FLOOR && ratio > limits.max_ratio {
            return Err(budget.too_large(format!(
                "entry '{name}' expands {ratio}:1 to {} bytes, which looks like a zip bomb",
                e.size()
            )));
        }
        if total > limits.max_uncompressed {
            return Err(budget.too_large(format!(
                "it expands to more than {} MiB, the most this server accepts (max_uncompressed_mb)",
                limits.max_uncompressed >> 20
            )));
        }
    }
    Ok(zip)
}

/// Extracts entry `name` of `zip` to `dest`, counting what it really expands to.
fn extract(zip: &mut zip::ZipArchive<File>, name: &str, dest: &Path, budget: &mut Budget) -> Result<(), IngestError> {
    let file = budget.file.clone();
    let unreadable = |e: zip::result::ZipError| IngestError::Unreadable {
        file: file.clone(),
        format: "a zip archive",
        reason: format!("entry '{name}': {e}"),
    };
    let mut entry = zip.by_name(name).map_err(unreadable)?;
    let compressed = entry.compressed_size();
    // The entry's reader hides how much of the compressed stream it has consumed; its
    // declared compressed size is what it may read at most, so the ratio uses that.
    budget.copy(&mut entry, dest, &|| compressed)
}

/// Extracts the one shapefile of a zip (its `.shp`, `.shx`, `.dbf` and every other part
/// sharing the stem) into `into`; returns the path of the `.shp`.
pub fn shapefile_in_zip(path: &Path, into: &Path, budget: &mut Budget) -> Result<PathBuf, IngestError> {
    let mut zip = checked_zip(path, budget)?;
    let file = budget.file.clone();
    let names: Vec<String> = zip.file_names().map(str::to_owned).collect();
    let shps: Vec<&String> = names.iter().filter(|n| n.to_ascii_lowercase().ends_with(".shp")).collect();
    let unreadable =
        |reason: String| IngestError::Unreadable { file: file.clone(), format: "a zipped shapefile", reason };
    let shp = match shps.as_slice() {
        [one] => (*one).clone(),
        [] => return Err(unreadable("the archive holds no .shp file".into())),
        many => {
            let list = many.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
            return Err(unreadable(format!(
                "the archive holds {} shapefiles ({list}); zip one per upload",
                many.len()
            )));
        }
    };
    let stem = shp[..shp.len() - 4].to_ascii_lowercase();
    let parts: Vec<&String> = names
        .iter()
        .filter(|n| n.len() > stem.len() + 1 && n[..=stem.len()].to_ascii_lowercase() == format!("{stem}."))
        .collect();
    for ext in [".shx", ".dbf"] {
        if !parts.iter().any(|n| n[stem.len()..].eq_ignore_ascii_case(ext)) {
            return Err(IngestError::ShapefilePart { file: format!("{file}/{shp}"), missing: ext });
        }
    }
    for part in parts {
        let base = part.rsplit('/').next().unwrap_or(part);
        extract(&mut zip, part, &into.join(base), budget)?;
    }
    Ok(into.join(shp.rsplit('/').next().unwrap_or(&shp)))
}

/// Checks a KMZ without extracting it: every entry is expanded (into nothing) under the
/// limits, and every KML document in it scanned for a DTD. GDAL then reads the KMZ itself,
/// following links between its documents; it expands the same bytes that were counted.
pub fn check_kmz(path: &Path, budget: &mut Budget) -> Result<(), IngestError> {
    let mut zip = checked_zip(path, budget)?;
    for i in 0..zip.len() {
        let file = budget.file.clone();
        let mut entry = zip.by_index(i).map_err(|e| IngestError::Unreadable {
            file: file.clone(),
            format: "KMZ",
            reason: format!("entry {i}: {e}"),
        })?;
        let compressed = entry.compressed_size();
        let mut scan = entry.name().to_ascii_lowercase().ends_with(".kml").then(DtdScan::default);
        budget.pour(&mut entry, &|| compressed, &mut |piece| {
            if scan.as_mut().is_some_and(|s| s.finds_dtd(piece)) {
                return Err(IngestError::Hostile { file: file.clone(), reason: DTD_REFUSED.into() });
            }
            Ok(())
        })?;
    }
    Ok(())
}

const DTD_REFUSED: &str = "it declares a DTD or XML entities, which KML never needs and which could read files \
                           on the server (XML external entity attack)";

/// Finds `<!DOCTYPE` or `<!ENTITY` (any case) in a stream given piece by piece.
#[derive(Default)]
struct DtdScan {
    /// The end of the previous piece, so a marker split across two pieces is still seen.
    tail: Vec<u8>,
}

impl DtdScan {
    fn finds_dtd(&mut self, piece: &[u8]) -> bool {
        const NEEDLES: [&[u8]; 2] = [b"<!entity", b"<!doctype"];
        let mut window = std::mem::take(&mut self.tail);
        window.extend_from_slice(&piece[..piece.len().min(16)]);
        let hit = |w: &[u8]| NEEDLES.iter().any(|n| w.windows(n.len()).any(|x| x.eq_ignore_ascii_case(n)));
        let found = hit(&window) || hit(piece);
        self.tail = piece[piece.len().saturating_sub(8)..].to_vec();
        found
    }
}

/// KML is XML; a DTD can declare entities that read local files or URLs (XXE). Ordinary KML
/// never has one, so any DTD is refused. The whole file is scanned, a piece at a time.
pub fn refuse_xml_entities(path: &Path, file: &str) -> Result<(), IngestError> {
    let io = |e: std::io::Error| IngestError::Io { path: path.to_owned(), reason: e.to_string() };
    let mut f = File::open(path).map_err(io)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut scan = DtdScan::default();
    loop {
        let n = f.read(&mut buf).map_err(io)?;
        if n == 0 {
            return Ok(());
        }
        if scan.finds_dtd(&buf[..n]) {
            return Err(IngestError::Hostile { file: file.to_owned(), reason: DTD_REFUSED.into() });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_entities_are_refused_in_any_case_and_across_pieces() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("ok.kml");
        std::fs::write(&ok, b"<?xml version=\"1.0\"?><kml></kml>").unwrap();
        assert!(refuse_xml_entities(&ok, "ok.kml").is_ok());
        let evil = dir.path().join("evil.kml");
        std::fs::write(&evil, b"<?xml version=\"1.0\"?><!doctype kml [<!entity x SYSTEM \"file:///etc/passwd\">]>")
            .unwrap();
        let err = refuse_xml_entities(&evil, "evil.kml").unwrap_err().to_string();
        assert!(err.starts_with("evil.kml is refused: it declares a DTD"), "{err}");
        // The needle straddles the 1 MiB piece boundary.
        let mut big = vec![b' '; (1 << 20) - 4];
        big.extend_from_slice(b"<!DOCTYPE kml>");
        let split = dir.path().join("split.kml");
        std::fs::write(&split, &big).unwrap();
        assert!(refuse_xml_entities(&split, "split.kml").is_err());
    }

    #[test]
    fn gzip_is_counted_as_it_expands() {
        use flate2::write::GzEncoder;
        let dir = tempfile::tempdir().unwrap();
        let gz = dir.path().join("zeros.gz");
        let mut enc = GzEncoder::new(File::create(&gz).unwrap(), flate2::Compression::best());
        enc.write_all(&vec![0u8; 40 << 20]).unwrap();
        enc.finish().unwrap();
        let dest = dir.path().join("zeros");
        let limits = Limits { max_uncompressed: 1 << 30, max_ratio: 200, max_entries: 10 };
        let err = gunzip(&gz, &dest, &mut Budget::new("zeros.gz", limits)).unwrap_err();
        assert!(matches!(err, IngestError::TooLarge { .. }) && err.to_string().contains("compression bomb"), "{err}");
        // Within ratio but over the size limit.
        let limits = Limits { max_uncompressed: 8 << 20, max_ratio: u64::MAX, max_entries: 10 };
        let err = gunzip(&gz, &dest, &mut Budget::new("zeros.gz", limits)).unwrap_err();
        assert!(err.to_string().contains("more than 8 MiB"), "{err}");
        let limits = Limits { max_uncompressed: 64 << 20, max_ratio: u64::MAX, max_entries: 10 };
        gunzip(&gz, &dest, &mut Budget::new("zeros.gz", limits)).unwrap();
        assert_eq!(std::fs::metadata(&dest).unwrap().len(), 40 << 20);
    }
}
