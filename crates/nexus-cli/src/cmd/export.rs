//! `nexus export LAYER --format … -o FILE`: a layer (or the projects) into a GIS file, with
//! the filters of the OGC API items and a progress bar.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use nexus_core::{Layer, LayerId};
use nexus_ingest::{ExportFormat, ExportJob, Progress};
use nexus_server::ogc::params;
use nexus_store::{Collection, LAYER_QUERYABLES, PROJECT_QUERYABLES};

use crate::config::{ExportArgs, Settings};
use crate::database;

/// The format named by `--format`, or by the output file's extension.
fn format_of(args: &ExportArgs) -> anyhow::Result<ExportFormat> {
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
        .chain([ExportFormat::Shapefile])
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

pub async fn run(settings: &Settings, args: ExportArgs) -> anyhow::Result<()> {
    let format = format_of(&args)?;
    if args.output == Path::new("-") && format != ExportFormat::GeoJson {
        bail!("only GeoJSON can go to standard output; give -o FILE for {}", format.label());
    }
    let store = database::open(settings).await?;
    let layer: Option<Layer> = if args.layer == "projects" {
        None
    } else {
        let id = LayerId::new(args.layer.clone())?;
        Some(store.layer(&id).await?.ok_or_else(|| anyhow!("no layer '{id}'; `nexus ingest` creates layers"))?)
    };
    let (collection, queryables) = match &layer {
        Some(l) => {
            let mut names: Vec<String> = l.fields.iter().map(|f| f.name.clone()).collect();
            names.extend(LAYER_QUERYABLES.iter().map(|s| (*s).to_owned()));
            (Collection::Layer(l), names)
        }
        None => (
            Collection::Projects { include_drafts: args.drafts },
            PROJECT_QUERYABLES.iter().map(|s| (*s).to_owned()).collect(),
        ),
    };
    let p = params::items(&query_of(&args)?, &queryables, false).map_err(|e| anyhow!(e.message))?;
    let started = Instant::now();
    if args.output == Path::new("-") {
        let mut stream = std::pin::pin!(store.export_geojson(collection, &p.filter, p.precision).await?);
        let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
        while let Some(chunk) = stream.next().await {
            out.write_all(&chunk?.bytes)?;
        }
        out.flush()?;
        return Ok(());
    }
    let job = ExportJob { name: &args.layer, filter: &p.filter, precision: p.precision, format };
    let bar = Arc::new(Bar::new());
    let bytes = nexus_ingest::export(&store, collection, &job, &args.output, Arc::clone(&bar) as Arc<dyn Progress>)
        .await
        .with_context(|| format!("exporting {} to {}", args.layer, args.output.display()))?;
    writeln!(
        std::io::stdout(),
        "{}: {} features, {} as {} in {:.1} s → {}",
        args.layer,
        bar.features(),
        human_bytes(bytes),
        format.label(),
        started.elapsed().as_secs_f64(),
        args.output.display()
    )?;
    Ok(())
}

#[allow(clippy::cast_precision_loss)]
fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / f64::from(1u32 << 30)),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / f64::from(1u32 << 20)),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// An indicatif bar on stderr (drawn only on a terminal): features read, then written.
struct Bar {
    bar: ProgressBar,
    total: std::sync::atomic::AtomicU64,
}

impl Bar {
    fn new() -> Bar {
        Bar { bar: ProgressBar::hidden(), total: std::sync::atomic::AtomicU64::new(0) }
    }

    fn features(&self) -> u64 {
        self.total.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Progress for Bar {
    fn start(&self, total: Option<u64>) {
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

    fn update(&self, done: u64) {
        self.bar.set_position(done);
    }

    fn stage(&self, what: &str) {
        self.bar.set_message(what.to_owned());
        self.bar.reset();
    }

    fn finish(&self) {
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
