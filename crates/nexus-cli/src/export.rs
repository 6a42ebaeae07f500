//! `nexus export LAYER --format … -o FILE`: a layer (or the projects) into a GIS file, with
//! the filters of the OGC API items and a progress bar. GeoJSON is streamed from the store
//! here without loading GDAL; the other formats are written through GDAL from the same stream
//! (`export_gis.rs`).

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use nexus_core::{ExportFormat, ItemsQuery, Layer, LayerId};
use nexus_store::{Collection, Store, LAYER_QUERYABLES, PROJECT_QUERYABLES};

use crate::config::{ExportArgs, Settings};
use crate::database;

/// The format named by `--format`, or by the output file's extension.
///
/// # Errors
/// When neither says a known format.
pub fn format_of(args: &ExportArgs) -> anyhow::Result<ExportFormat> {
    if let Some(name) = &args.format {
        return ExportFormat::from_name(name)
            .ok_or_else(|| anyhow!("unknown format '{name}'; use geojson, gpkg, shp, csv, kml or fgb"));
    }
    if args.output == Path::new("-") {
        return Ok(ExportFormat::GeoJson);
    }
    let file = args.output.file_name().map(|f| f.to_string_lossy().to_lowercase()).unwrap_or_default();
    ExportFormat::ALL
        .iter()
        .copied()
        .find(|f| file.ends_with(&format!(".{}", f.extension())))
        .or_else(|| file.ends_with(".shp").then_some(ExportFormat::Shapefile))
        .or_else(|| file.ends_with(".json").then_some(ExportFormat::GeoJson))
        .ok_or_else(|| anyhow!("say --format geojson|gpkg|shp|csv|kml|fgb (the name '{file}' does not tell)"))
}

/// The filter arguments as items query parameters, checked the same way as the API's.
fn query_of(args: &ExportArgs) -> anyhow::Result<HashMap<String, String>> {
    let mut q = HashMap::new();
    if let Some(b) = &args.bbox {
        q.insert("bbox".to_owned(), b.clone());
    }
    if let Some(t) = &args.datetime {
        q.insert("datetime".to_owned(), t.clone());
    }
    for (k, v) in [("city", &args.city), ("sector", &args.sector)] {
        if let Some(v) = v {
            q.insert(k.to_owned(), v.clone());
        }
    }
    for f in &args.filters {
        let (k, v) = f.split_once('=').ok_or_else(|| anyhow!("--filter '{f}' is not KEY=VALUE"))?;
        if ["bbox", "datetime", "precision", "f"].contains(&k) {
            bail!("--filter {k}=… is not a property; use --{k}");
        }
        q.insert(k.to_owned(), v.to_owned());
    }
    q.insert("precision".to_owned(), args.precision.to_string());
    Ok(q)
}

/// What an export reads: the layer (`None` for the projects) and the checked filters.
#[derive(Debug)]
pub struct Target {
    /// The layer, or `None` for `projects`.
    pub layer: Option<Layer>,
    /// Include draft projects.
    pub drafts: nexus_core::DraftScope,
    /// Filters and precision.
    pub query: ItemsQuery,
}

impl Target {
    /// Looks the layer up and checks the filters against its fields.
    ///
    /// # Errors
    /// When the layer does not exist or a filter is malformed.
    pub async fn resolve(store: &Store, args: &ExportArgs) -> anyhow::Result<Target> {
        let layer = if args.layer == "projects" {
            None
        } else {
            let id = LayerId::new(args.layer.clone())?;
            Some(store.layer(&id).await?.ok_or_else(|| anyhow!("no layer '{id}'; `nexus ingest` creates layers"))?)
        };
        let queryables: Vec<String> = match &layer {
            Some(l) => l
                .fields
                .iter()
                .map(|f| f.name.clone())
                .chain(LAYER_QUERYABLES.iter().map(|s| (*s).to_owned()))
                .collect(),
            None => PROJECT_QUERYABLES.iter().map(|s| (*s).to_owned()).collect(),
        };
        let query = nexus_core::query::items(&query_of(args)?, &queryables, false)?;
        let drafts = if args.drafts { nexus_core::DraftScope::All } else { nexus_core::DraftScope::None };
        Ok(Target { layer, drafts, query })
    }

    /// The store's view of it.
    pub fn collection(&self) -> Collection<'_> {
        match &self.layer {
            Some(l) => Collection::Layer(l),
            None => Collection::Projects { drafts: &self.drafts },
        }
    }
}

/// `nexus export` for GeoJSON, which needs no GDAL (`export_gis::run` chose the format).
///
/// # Errors
/// When the layer, a filter or the output is wrong, or the database fails.
pub async fn run_geojson(settings: &Settings, args: ExportArgs) -> anyhow::Result<()> {
    if args.output == Path::new("-") {
        let store = database::open(settings).await?;
        let target = Target::resolve(&store, &args).await?;
        let (filter, precision) = (&target.query.filter, target.query.precision);
        let mut stream = std::pin::pin!(store.export_geojson(target.collection(), filter, precision).await?);
        let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
        while let Some(chunk) = stream.next().await {
            out.write_all(&chunk?.bytes)?;
        }
        out.flush()?;
        return Ok(());
    }
    let started = Instant::now();
    let store = database::open(settings).await?;
    let target = Target::resolve(&store, &args).await?;
    let bar = Bar::new();
    let total = store.count_features(target.collection(), &target.query.filter).await?;
    bar.start(Some(u64::try_from(total).unwrap_or(0)));
    let written = store
        .export_geojson_file(target.collection(), &target.query.filter, target.query.precision, &args.output, &|n| {
            bar.update(n);
        })
        .await;
    bar.finish();
    summary(&args, ExportFormat::GeoJson, bar.features(), written?, started)
}

/// The line an export ends with.
///
/// # Errors
/// When standard output is closed.
pub fn summary(
    args: &ExportArgs,
    format: ExportFormat,
    features: u64,
    bytes: u64,
    started: Instant,
) -> anyhow::Result<()> {
    writeln!(
        std::io::stdout(),
        "{}: {features} features, {} as {} in {:.1} s → {}",
        args.layer,
        human_bytes(bytes),
        format.label(),
        started.elapsed().as_secs_f64(),
        args.output.display()
    )?;
    Ok(())
}

#[allow(clippy::cast_precision_loss)]
/// A byte count for people: `12.3 MiB`.
pub fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / f64::from(1u32 << 30)),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / f64::from(1u32 << 20)),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// An indicatif bar on stderr (drawn only on a terminal): features read, then written.
#[derive(Debug)]
pub struct Bar {
    bar: ProgressBar,
    total: std::sync::atomic::AtomicU64,
}

impl Default for Bar {
    fn default() -> Self {
        Bar::new()
    }
}

impl Bar {
    /// A bar not yet shown.
    pub fn new() -> Bar {
        Bar { bar: ProgressBar::hidden(), total: std::sync::atomic::AtomicU64::new(0) }
    }

    /// Features the export holds.
    pub fn features(&self) -> u64 {
        self.total.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Shows the bar for `total` features.
    pub fn start(&self, total: Option<u64>) {
        self.total.store(total.unwrap_or(0), std::sync::atomic::Ordering::Relaxed);
        self.bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        self.bar.set_length(total.unwrap_or(0));
        self.bar.set_message("reading");
        self.bar.set_style(
            ProgressStyle::with_template("{msg:>10} {bar:40} {pos}/{len} features  {per_sec}  ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        self.bar.enable_steady_tick(Duration::from_millis(200));
    }

    /// `done` features so far in this stage.
    pub fn update(&self, done: u64) {
        self.bar.set_position(done);
    }

    /// A new stage (GDAL writing the file) counts from zero again.
    pub fn stage(&self, what: &str) {
        self.bar.set_message(what.to_owned());
        self.bar.reset();
    }

    /// Done.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(output: &str, format: Option<&str>) -> ExportArgs {
        ExportArgs {
            layer: "canals".into(),
            format: format.map(str::to_owned),
            output: output.into(),
            bbox: None,
            datetime: None,
            filters: vec![],
            city: None,
            sector: None,
            precision: 6,
            drafts: false,
        }
    }

    #[test]
    fn format_comes_from_the_flag_or_the_file_name() {
        assert_eq!(format_of(&args("x.bin", Some("gpkg"))).unwrap(), ExportFormat::GeoPackage);
        assert_eq!(format_of(&args("canals.shp.zip", None)).unwrap(), ExportFormat::Shapefile);
        assert_eq!(format_of(&args("canals.FGB", None)).unwrap(), ExportFormat::FlatGeobuf);
        assert_eq!(format_of(&args("-", None)).unwrap(), ExportFormat::GeoJson);
        assert!(format_of(&args("canals.dwg", None)).unwrap_err().to_string().contains("--format"));
        assert!(format_of(&args("x", Some("dxf"))).unwrap_err().to_string().contains("unknown format 'dxf'"));
    }

    #[test]
    fn filters_become_checked_query_parameters() {
        let mut a = args("x.geojson", None);
        a.filters = vec!["status=ongoing".into()];
        a.city = Some("chiang-mai".into());
        let q = query_of(&a).unwrap();
        assert_eq!(q["status"], "ongoing");
        assert_eq!(q["city"], "chiang-mai");
        a.filters = vec!["bbox=1,2,3,4".into()];
        assert!(query_of(&a).unwrap_err().to_string().contains("use --bbox"));
        a.filters = vec!["nonsense".into()];
        assert!(query_of(&a).unwrap_err().to_string().contains("KEY=VALUE"));
    }
}
