//! `nexus ingest PATH --layer ID …`: one file into one layer (or every layer of a
//! multi-layer file), with a progress bar and a summary; non-zero exit on any refusal.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail};
use indicatif::{ProgressBar, ProgressStyle};
use nexus_core::LayerId;
use nexus_ingest::{Action, IngestError, IngestOptions, IngestReport, Progress, Sidecar};
use nexus_store::Store;

use crate::config::{IngestArgs, Settings};
use crate::database;

/// `nexus ingest`.
///
/// # Errors
/// When the file is refused (the report says why), unreadable, or the database fails.
pub async fn run(settings: &Settings, args: IngestArgs) -> anyhow::Result<()> {
    let sidecar = Sidecar::for_file(&args.path)?.unwrap_or_default();
    let mut planned = sidecar.plan(&args.path, args.layer.as_ref()).map_err(|_| {
        anyhow!(
            "name the layer with --layer ID (or give an id in {})",
            nexus_ingest::sidecar_path(&args.path).display()
        )
    })?;
    if let Some(want) = &args.source_layer {
        if !sidecar.layers.is_empty() {
            planned.retain(|o| o.source_layer.as_deref() == Some(want.as_str()));
        }
    }
    // The flags win over the sidecar, key by key, read by the parser uploads use.
    let given = args.settings(sidecar.layers.is_empty());
    for o in &mut planned {
        for (key, value) in &given {
            o.set(key, value).map_err(|e| anyhow!("--{}: {}", key.replace('_', "-"), e.problem.unwrap_or_default()))?;
        }
    }

    let store = database::open(settings).await?;
    // Only these formats hold several layers; asking the others would parse them twice.
    let multi = matches!(
        nexus_ingest::Format::from_path(Path::new(
            &args.path.to_string_lossy().to_ascii_lowercase().replace(".gz", "")
        )),
        Ok(nexus_ingest::Format::GeoPackage | nexus_ingest::Format::Kml)
    );
    let targets = if planned.len() == 1 && planned[0].source_layer.is_none() && multi {
        every_layer(planned.remove(0)).await?
    } else {
        planned
    };
    let single = targets.len() == 1;
    let mut refused: Vec<String> = Vec::new();
    for o in targets {
        if let Some(why) = ingest_one(&store, o, args.json).await? {
            if single {
                bail!("{why}");
            }
            eprintln!("refused: {why}");
            refused.push(why);
        }
    }
    if !refused.is_empty() {
        bail!("{} of the file's layers were refused; nothing of those was written", refused.len());
    }
    Ok(())
}

/// One ingest per layer of the file, named `ID-LAYER`, or the file's only layer as `ID`.
async fn every_layer(opts: IngestOptions) -> anyhow::Result<Vec<IngestOptions>> {
    let names = nexus_ingest::layer_names(&opts).await.map_err(|e| anyhow!("{e}"))?;
    if names.len() <= 1 {
        return Ok(vec![opts]);
    }
    names
        .iter()
        .map(|name| {
            let id = LayerId::new(format!("{}-{}", opts.layer, slug(name)))
                .map_err(|e| anyhow!("cannot name a layer after '{name}': {e}; use --source-layer"))?;
            let mut o = opts.clone();
            o.layer = id;
            o.source_layer = Some(name.clone());
            o.meta.title = o.meta.title.map(|t| format!("{t}: {name}"));
            Ok(o)
        })
        .collect()
}

/// Ingests and prints the report; returns why it was refused, if it was. Other errors
/// propagate.
pub async fn ingest_one(store: &Store, mut opts: IngestOptions, json: bool) -> anyhow::Result<Option<String>> {
    let layer = opts.layer.clone();
    // The command line's loads are audited as `cli`, like its other changes.
    if opts.audit.is_none() {
        let file = opts.path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        let mut row = nexus_service::accounts::Actor::cli().audit("layer.ingest", "layer", Some(layer.to_string()));
        row.summary = format!("{} ({})", opts.file_name.clone().unwrap_or(file), opts.mode);
        opts.audit = Some(row);
    }
    let progress = Arc::new(Bar::new());
    match nexus_ingest::ingest(store, opts, progress).await {
        Ok(report) => {
            print_report(&report, json)?;
            Ok(None)
        }
        Err(IngestError::Refused(report)) => {
            print_report(&report, json)?;
            Ok(Some(format!("layer '{layer}': {}", IngestError::Refused(report))))
        }
        Err(e) => Err(anyhow!("layer '{layer}': {e}")),
    }
}

/// Prints the ingest report: a summary and each issue, or the whole report as JSON.
///
/// # Errors
/// When standard output cannot be written.
pub fn print_report(r: &IngestReport, json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, r)?;
        writeln!(out)?;
        return Ok(());
    }
    let verb = match (r.committed, r.dry_run) {
        (true, _) => "loaded",
        (false, true) => "checked (dry run, nothing written)",
        (false, false) => "refused",
    };
    let family = r.geometry_type.map_or_else(|| "no geometry".to_owned(), |f| format!("{f}s"));
    writeln!(
        out,
        "{}: {verb} {} of {} features ({family}, {}) from {} in {:.1} s{}",
        r.layer,
        r.features.loaded,
        r.features.read,
        r.source_crs.as_deref().unwrap_or("?"),
        r.file,
        r.elapsed_ms as f64 / 1000.0,
        r.revision.filter(|_| r.committed).map(|v| format!(", revision {v}")).unwrap_or_default()
    )?;
    if r.features.repaired + r.features.dropped + r.features.refused > 0 {
        writeln!(
            out,
            "  {} repaired, {} dropped, {} refused",
            r.features.repaired, r.features.dropped, r.features.refused
        )?;
    }
    for i in &r.issues {
        let action = match i.action {
            Action::Repaired => "repaired",
            Action::Dropped => "dropped",
            Action::Refused => "REFUSED",
        };
        writeln!(out, "  feature {}: {action}: {}", i.feature, i.reason)?;
    }
    if r.issues_truncated {
        writeln!(out, "  … more issues than listed (counts above are complete)")?;
    }
    for w in &r.warnings {
        writeln!(out, "  note: {w}")?;
    }
    Ok(())
}

fn slug(name: &str) -> String {
    let s: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    s.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-")
}

/// An indicatif bar on stderr (drawn only on a terminal): features, features/s, ETA.
struct Bar(ProgressBar);

impl Bar {
    fn new() -> Bar {
        let bar = ProgressBar::hidden();
        Bar(bar)
    }
}

impl Progress for Bar {
    fn start(&self, total: Option<u64>) {
        let bar = &self.0;
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        match total {
            Some(t) => {
                bar.set_length(t);
                bar.set_style(
                    ProgressStyle::with_template("{bar:40} {pos}/{len} features  {per_sec}  ETA {eta}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
            }
            None => bar.set_style(
                ProgressStyle::with_template("{spinner} {pos} features  {per_sec}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        }
        bar.enable_steady_tick(Duration::from_millis(200));
    }

    fn update(&self, read: u64) {
        self.0.set_position(read);
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn layer_names_become_id_words() {
        assert_eq!(slug("Kelurahan Tanjung Pinang"), "kelurahan-tanjung-pinang");
        assert_eq!(slug("waste_sites"), "waste-sites");
        assert_eq!(slug("ถนน"), "");
    }
}
