//! The async half of an ingest: runs the reader on a blocking thread, streams its rows into
//! the database through one `COPY`, has PostGIS repair what GEOS found invalid, and commits
//! (or rolls back) the whole thing as one transaction.

use std::io::{BufReader, BufWriter, Read, Write};
use std::sync::Arc;
use std::time::Instant;

use nexus_store::{LayerLoad, Provenance, Repair, Store};
use time::OffsetDateTime;
use tokio::sync::mpsc;

use nexus_service::gis::{Action, Counts, IngestError, IngestOptions, IngestReport, Progress};

use crate::reader;
use crate::rows::{Msg, Opened, RawMsg, ReadOptions, ReadOutcome, Row};
use crate::source::{self, Source};

/// Names of the layers inside the file of `opts` (for ingesting every layer of a GeoPackage).
///
/// # Errors
/// When the file cannot be prepared or opened.
pub async fn layer_names(opts: &IngestOptions) -> Result<Vec<String>, IngestError> {
    let opts = opts.clone();
    tokio::task::spawn_blocking(move || {
        let source = source::prepare(&opts)?;
        reader::layer_names(&source)
    })
    .await
    .map_err(|e| IngestError::Task(e.to_string()))?
}

/// Ingests one layer of one file. Either everything is stored (with repairs listed in the
/// report) and the layer's revision goes up, or nothing is and the error says why.
///
/// # Errors
/// See [`IngestError`]; [`IngestError::Refused`] carries the full report.
pub async fn ingest(
    store: &Store,
    opts: IngestOptions,
    progress: Arc<dyn Progress>,
) -> Result<IngestReport, IngestError> {
    let result = run(store, &opts, &*progress).await;
    progress.finish();
    result
}

async fn run(store: &Store, opts: &IngestOptions, progress: &dyn Progress) -> Result<IngestReport, IngestError> {
    let started_at = OffsetDateTime::now_utc();
    let clock = Instant::now();
    // Without GEOS every line and polygon would be checked through GDAL, or not at all.
    crate::libs::load_geos()?;
    let o = opts.clone();
    let mut source: Source = tokio::task::spawn_blocking(move || source::prepare(&o))
        .await
        .map_err(|e| IngestError::Task(e.to_string()))??;
    // Hash the file on the side while GDAL reads it (a second core is idle during GDAL's
    // first pass over a GeoJSON file).
    let hash_path = opts.path.clone();
    let hashing = tokio::task::spawn_blocking(move || source::sha256_file(&hash_path));

    // The existing layer's geometry family constrains an append; read it before the reader starts.
    let family = match opts.mode {
        nexus_store::LoadMode::Append => store.layer(&opts.layer).await?.and_then(|l| l.geometry_type),
        nexus_store::LoadMode::Replace => None,
    };
    let read_opts = ReadOptions {
        source_crs: opts.source_crs.clone(),
        source_layer: opts.source_layer.clone(),
        drop_empty: opts.drop_empty,
        family,
    };
    // Two blocking threads: GDAL reads and encodes (thread A), GEOS checks (thread B), so
    // both cores work while the database takes the COPY.
    let (raw_tx, raw_rx) = mpsc::channel::<RawMsg>(2);
    let (tx, mut rx) = mpsc::channel::<Msg>(2);
    let src = source.clone();
    let a_opts = read_opts.clone();
    let reader = tokio::task::spawn_blocking(move || reader::read(&src, &a_opts, &raw_tx));
    let checker = tokio::task::spawn_blocking(move || crate::check::check_all(raw_rx, &tx, &read_opts));

    // Nothing touches the database until the file opened cleanly.
    let opened: Opened = match rx.recv().await {
        Some(Msg::Opened(o)) => o,
        _ => {
            drop(checker);
            return Err(match reader.await {
                Ok(Err(e)) => e,
                Ok(Ok(_)) => IngestError::Task("the reader ended before opening the file".into()),
                Err(e) => IngestError::Task(e.to_string()),
            });
        }
    };
    progress.start(opened.total);
    tracing::debug!(elapsed_ms = elapsed_ms(clock), "file open");

    let mut load = store.begin_load(&opts.layer, opts.meta.clone(), opts.mode, opts.guard.as_ref()).await?;
    let mut spill = Spill::new()?;
    let written = copy_rows(&mut rx, &mut load, &mut spill, progress).await;
    // Whatever the writer did, hear the reader out: its error explains more than ours.
    drop(rx);
    let raw = reader.await.map_err(|e| IngestError::Task(e.to_string()))??;
    let mut outcome = checker.await.map_err(|e| IngestError::Task(e.to_string()))?;
    written?;
    if raw.z_dropped {
        outcome.warnings.push("Z and M values were dropped: Nexus Atlas stores 2D geometry".into());
    }
    tracing::debug!(elapsed_ms = elapsed_ms(clock), "all features read and copied");

    source.sha256 = hashing.await.map_err(|e| IngestError::Task(e.to_string()))??.0;
    let family = outcome.family;
    let extent = outcome.bbox;
    let mut report = report_of(opts, &source, &opened, raw.fields, outcome);

    if let (Some(existing), Some(new)) = (load.existing().and_then(|l| l.geometry_type), family) {
        if opts.mode == nexus_store::LoadMode::Append && existing != new {
            return Err(IngestError::Incompatible(format!(
                "layer '{}' holds {existing}s; {} holds {new}s and cannot be appended to it",
                opts.layer, source.file_name
            )));
        }
    }
    if report.features.refused == 0 {
        repair_spilled(&mut load, &mut spill, &mut report).await?;
    }
    if report.features.refused > 0 {
        report.elapsed_ms = elapsed_ms(clock);
        return Err(IngestError::Refused(Box::new(report)));
    }

    report.features.loaded = load.end_copy().await?;
    tracing::debug!(elapsed_ms = elapsed_ms(clock), "repairs done");
    report.elapsed_ms = elapsed_ms(clock);
    let mut provenance = provenance_of(&source, &report, started_at);
    provenance.audit.clone_from(&opts.audit);
    // The checked rows' extent contains every stored feature (a PostGIS repair never grows one).
    let summary = load.finish(family, &report.fields, &provenance, extent, !opts.dry_run).await?;
    report.committed = summary.committed;
    report.revision = Some(summary.revision);
    report.bounds = summary.bounds;
    report.elapsed_ms = elapsed_ms(clock);
    Ok(report)
}

/// Rows from the checker into the `COPY`; invalid ones to the spill, for PostGIS to repair.
async fn copy_rows(
    rx: &mut mpsc::Receiver<Msg>,
    load: &mut LayerLoad,
    spill: &mut Spill,
    progress: &dyn Progress,
) -> Result<(), IngestError> {
    while let Some(msg) = rx.recv().await {
        if let Msg::Rows(rows) = msg {
            let last = rows.last().map_or(0, |r| r.n);
            for row in rows {
                if row.valid {
                    load.write(n64(row.n), &row.wkb, &row.props).await?;
                } else {
                    spill.push(&row)?;
                }
            }
            progress.update(last);
        }
    }
    Ok(())
}

/// The report of what was read and checked, before the load's own numbers.
fn report_of(
    opts: &IngestOptions,
    source: &Source,
    opened: &Opened,
    fields: Vec<nexus_core::FieldDef>,
    outcome: ReadOutcome,
) -> IngestReport {
    let mut report = IngestReport {
        layer: opts.layer.clone(),
        mode: opts.mode,
        dry_run: opts.dry_run,
        committed: false,
        file: source.file_name.clone(),
        format: source.format.name().to_owned(),
        source_layer: Some(opened.source_layer.clone()),
        source_crs: opened.source_crs.clone(),
        sha256: source.sha256.clone(),
        bytes: source.bytes,
        geometry_type: outcome.family,
        features: Counts { read: outcome.counts.read, ..Counts::default() },
        fields,
        bounds: None,
        revision: None,
        issues: Vec::new(),
        issues_truncated: outcome.truncated,
        warnings: outcome.warnings,
        elapsed_ms: 0,
    };
    for i in outcome.issues {
        report.push(i.feature, i.reason, i.action);
    }
    // Counts beyond the listed issues.
    report.features.repaired = report.features.repaired.max(outcome.counts.repaired);
    report.features.dropped = report.features.dropped.max(outcome.counts.dropped);
    report.features.refused = report.features.refused.max(outcome.counts.refused);
    report
}

/// What the catalog keeps of an ingest: the file, what became of its features, the report.
fn provenance_of(source: &Source, report: &IngestReport, started_at: OffsetDateTime) -> Provenance {
    Provenance {
        file_name: source.file_name.clone(),
        sha256: source.sha256.clone(),
        bytes: source.bytes,
        format: source.format.name().to_owned(),
        source_layer: report.source_layer.clone(),
        source_crs: report.source_crs.clone(),
        read: report.features.read,
        repaired: report.features.repaired,
        dropped: report.features.dropped,
        report: serde_json::to_value(report).unwrap_or_default(),
        started_at,
        audit: None,
    }
}

async fn repair_spilled(load: &mut LayerLoad, spill: &mut Spill, report: &mut IngestReport) -> Result<(), IngestError> {
    if spill.count == 0 {
        return Ok(());
    }
    load.end_copy().await?;
    let family = report.geometry_type.unwrap_or(nexus_core::GeometryFamily::Polygon);
    let mut rows = spill.drain()?;
    while let Some(row) = rows.next_row()? {
        match load.repair(n64(row.n), &row.wkb, &row.props, family).await? {
            Repair::Repaired { reason } => {
                report.push(
                    row.n,
                    format!("invalid geometry ({reason}), repaired with ST_MakeValid"),
                    Action::Repaired,
                );
            }
            Repair::Collapsed { reason } => report.push(
                row.n,
                format!("invalid geometry ({reason}) and repairing it leaves no {family}"),
                Action::Refused,
            ),
        }
    }
    Ok(())
}

fn n64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn elapsed_ms(clock: Instant) -> u64 {
    u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Invalid rows wait in an anonymous temporary file until the `COPY` is done, so memory
/// stays flat however many there are.
struct Spill {
    file: BufWriter<std::fs::File>,
    count: u64,
}

struct SpillReader {
    file: BufReader<std::fs::File>,
}

fn io(e: &std::io::Error) -> IngestError {
    IngestError::Io { path: std::env::temp_dir(), reason: e.to_string() }
}

impl Spill {
    fn new() -> Result<Spill, IngestError> {
        Ok(Spill { file: BufWriter::new(tempfile::tempfile().map_err(|e| io(&e))?), count: 0 })
    }

    fn push(&mut self, row: &Row) -> Result<(), IngestError> {
        let mut put = |b: &[u8]| self.file.write_all(b).map_err(|e| io(&e));
        put(&row.n.to_le_bytes())?;
        put(&(row.wkb.len() as u64).to_le_bytes())?;
        put(&row.wkb)?;
        put(&(row.props.len() as u64).to_le_bytes())?;
        put(row.props.as_bytes())?;
        self.count += 1;
        Ok(())
    }

    fn drain(&mut self) -> Result<SpillReader, IngestError> {
        use std::io::Seek;
        self.file.flush().map_err(|e| io(&e))?;
        let mut f = self.file.get_ref().try_clone().map_err(|e| io(&e))?;
        f.seek(std::io::SeekFrom::Start(0)).map_err(|e| io(&e))?;
        Ok(SpillReader { file: BufReader::new(f) })
    }
}

impl SpillReader {
    fn u64(&mut self) -> Result<Option<u64>, IngestError> {
        let mut b = [0u8; 8];
        match self.file.read_exact(&mut b) {
            Ok(()) => Ok(Some(u64::from_le_bytes(b))),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
            Err(e) => Err(io(&e)),
        }
    }

    fn bytes(&mut self) -> Result<Vec<u8>, IngestError> {
        let len = self.u64()?.ok_or_else(|| IngestError::Task("spill file truncated".into()))?;
        let mut v = vec![0u8; usize::try_from(len).map_err(|e| IngestError::Task(e.to_string()))?];
        self.file.read_exact(&mut v).map_err(|e| io(&e))?;
        Ok(v)
    }

    fn next_row(&mut self) -> Result<Option<Row>, IngestError> {
        let Some(n) = self.u64()? else { return Ok(None) };
        let wkb = self.bytes()?;
        let props = String::from_utf8(self.bytes()?).map_err(|e| IngestError::Task(e.to_string()))?;
        Ok(Some(Row { n, wkb, props, valid: false }))
    }
}
