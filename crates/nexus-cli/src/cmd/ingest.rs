//! `nexus ingest PATH --layer ID …`: one file into one layer (or every layer of a
//! multi-layer file), with a progress bar and a summary; non-zero exit on any refusal.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail};
use indicatif::{ProgressBar, ProgressStyle};
use nexus_core::{LayerId, LayerMeta};
use nexus_ingest::{Action, IngestError, IngestOptions, IngestReport, Progress, Sidecar};
use nexus_store::Store;

use crate::config::{IngestArgs, Settings};
use crate::database;

pub async fn run(settings: &Settings, args: IngestArgs) -> anyhow::Result<()> {
    let sidecar = Sidecar::for_file(&args.path)?.unwrap_or_default();
    let layer = args.layer.clone().or_else(|| sidecar.id.clone()).ok_or_else(|| {
        anyhow!(
            "name the layer with --layer ID (or give an id in {})",
            nexus_ingest::sidecar_path(&args.path).display()
        )
    })?;
    let cli_meta = LayerMeta {
        title: args.title.clone(),
        description: args.description.clone(),
        kind: args.kind,
        sectors: (!args.sectors.is_empty()).then(|| args.sectors.clone()),
        city: args.city.clone(),
        source: args.source.clone(),
        licence: args.licence.clone(),
        attribution: args.attribution.clone(),
        approximate: args.approximate.then_some(true),
        visibility: args.visibility,
        minzoom: None,
        maxzoom: None,
    };
    let mut opts = IngestOptions::new(&args.path, layer.clone());
    opts.meta = sidecar.meta.clone().overlay(cli_meta);
    opts.mode = args.mode;
    opts.source_crs = args.source_crs.clone().or(sidecar.source_crs.clone());
    opts.source_layer = args.source_layer.clone().or(sidecar.source_layer.clone());
    opts.encoding = args.encoding.clone().or(sidecar.encoding.clone());
    opts.drop_empty = args.drop_empty || sidecar.drop_empty.unwrap_or(false);
    opts.dry_run = args.dry_run;

    let store = database::open(settings).await?;
    // Only these formats hold several layers; asking the others would parse them twice.
    let multi = matches!(
        nexus_ingest::Format::from_path(std::path::Path::new(
            &args.path.to_string_lossy().to_ascii_lowercase().replace(".gz", "")
        )),
        Ok(nexus_ingest::Format::GeoPackage | nexus_ingest::Format::Kml)
    );
    let targets = if opts.source_layer.is_some() || !multi {
        vec![opts]
    } else {
        let names = nexus_ingest::layer_names(&opts).await.map_err(|e| anyhow!("{e}"))?;
        if names.len() <= 1 {
            vec![opts]
        } else {
            names
                .iter()
                .map(|name| {
                    let id = LayerId::new(format!("{layer}-{}", slug(name)))
                        .map_err(|e| anyhow!("cannot name a layer after '{name}': {e}; use --source-layer"))?;
                    let mut o = opts.clone();
                    o.layer = id;
                    o.source_layer = Some(name.clone());
                    if o.meta.title.is_some() {
                        o.meta.title = o.meta.title.map(|t| format!("{t}: {name}"));
                    }
                    Ok(o)
                })
                .collect::<anyhow::Result<Vec<_>>>()?
        }
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

/// Ingests and prints the report; returns why it was refused, if it was. Other errors
/// propagate.
async fn ingest_one(store: &Store, opts: IngestOptions, json: bool) -> anyhow::Result<Option<String>> {
    let layer = opts.layer.clone();
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

fn print_report(r: &IngestReport, json: bool) -> anyhow::Result<()> {
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
