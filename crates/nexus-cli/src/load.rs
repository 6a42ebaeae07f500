//! `nexus load [DIR]`: puts what `data/` holds into the database: `cities.geojson` into the
//! cities, `projects.geojson` into the projects, and every file that has a `.nexus.toml`
//! sidecar into its layer(s), `nexus-rules.toml` into the Nexus rules, `solutions.toml` into the
//! programme's showcased solutions; then the Nexus overlays
//! are brought up to date. Layers whose file and description have not changed since their last
//! ingest are skipped, so running it again is quick.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use nexus_core::{CityCollection, ProjectCollection};
use nexus_ingest::{IngestOptions, Sidecar};
use nexus_store::Store;

use crate::config::Settings;
use crate::database;
use crate::ingest::ingest_one;

/// `nexus load [DIR]`.
///
/// # Errors
/// When a file of DIR is refused or the database fails.
pub async fn run(settings: &Settings, dir: Option<PathBuf>) -> anyhow::Result<()> {
    let dir = dir.unwrap_or_else(|| PathBuf::from("data"));
    let store = database::open(settings).await?;
    let mut out = std::io::stdout().lock();

    let path = dir.join("cities.geojson");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let cities = CityCollection::from_geojson(&text).with_context(|| format!("{} is not usable", path.display()))?.0;
    let changed = store.upsert_cities(&cities).await?;
    writeln!(out, "loaded {} cities from {} ({changed} new or changed)", cities.len(), path.display())?;
    drop(out);

    let mut refused = 0;
    for sidecar_path in sidecars(&dir)? {
        let sidecar = Sidecar::read(&sidecar_path)?;
        let data = sidecar.data_file(&sidecar_path)?;
        for opts in sidecar.plan(&data, None)? {
            // Someone deleted it in the atlas: a data load does not bring it back.
            if store.layer(&opts.layer).await?.is_none() && store.layer_state(&opts.layer).await?.is_some() {
                writeln!(
                    std::io::stdout(),
                    "{}: deleted in the atlas, not loaded (restore it or nexus purge)",
                    opts.layer
                )?;
                continue;
            }
            if unchanged(&store, &opts).await? {
                writeln!(std::io::stdout(), "{}: unchanged ({})", opts.layer, data.display())?;
                continue;
            }
            if let Some(why) = ingest_one(&store, opts, false).await? {
                eprintln!("refused: {why}");
                refused += 1;
            }
        }
    }

    let path = dir.join("projects.geojson");
    if path.exists() {
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut projects =
            ProjectCollection::from_geojson(&text).with_context(|| format!("{} is not usable", path.display()))?.0;
        let slugs: Vec<&str> = projects.iter().map(|p| p.slug.as_str()).collect();
        let deleted = store.deleted_project_slugs(&slugs).await?;
        for slug in &deleted {
            writeln!(std::io::stdout(), "{slug}: deleted in the atlas, not loaded (restore it or nexus purge)")?;
        }
        projects.retain(|p| !deleted.iter().any(|d| d == p.slug.as_str()));
        let changed = store.upsert_projects(&projects).await.map_err(|e| anyhow!("{}: {e}", path.display()))?;
        writeln!(
            std::io::stdout(),
            "loaded {} projects from {} ({changed} new or changed)",
            projects.len(),
            path.display()
        )?;
    }
    let path = dir.join("nexus-rules.toml");
    if path.exists() {
        let rules = crate::rules::read(&path)?;
        let changed = store.replace_rules(&rules).await.map_err(|e| anyhow!("{}: {e}", path.display()))?;
        writeln!(
            std::io::stdout(),
            "loaded {} Nexus rules from {}{}",
            rules.rules.len(),
            path.display(),
            if changed { "" } else { " (unchanged)" }
        )?;
    }
    let path = dir.join("solutions.toml");
    if path.exists() {
        let set = crate::solutions::read(&path)?;
        let changed = store.replace_solutions(&set.solution).await.map_err(|e| anyhow!("{}: {e}", path.display()))?;
        writeln!(
            std::io::stdout(),
            "loaded {} showcased solutions from {}{}",
            set.solution.len(),
            path.display(),
            if changed { "" } else { " (unchanged)" }
        )?;
    }
    let refresh = store.refresh_nexus().await?;
    writeln!(
        std::io::stdout(),
        "Nexus overlays: {} ({} sources, {} links removed, {} added) in {} ms",
        if refresh.full { "recomputed" } else { "updated" },
        refresh.sources,
        refresh.links_removed,
        refresh.links_added,
        refresh.elapsed_ms
    )?;
    if refused > 0 {
        bail!(
            "{refused} layer{} of {} could not be loaded; see above",
            if refused == 1 { "" } else { "s" },
            dir.display()
        );
    }
    Ok(())
}

/// Every `*.nexus.toml` under `dir`, in a stable order.
fn sidecars(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("cannot read {}", d.display()))? {
            let p = entry?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".nexus.toml")) {
                found.push(p);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The file was ingested into this layer already and the catalog says what the sidecar says.
async fn unchanged(store: &Store, opts: &IngestOptions) -> anyhow::Result<bool> {
    let Some((_, sha, _)) = store.last_ingest(&opts.layer).await? else { return Ok(false) };
    let (now, _) = nexus_ingest::sha256_file(&opts.path)?;
    if sha != now {
        return Ok(false);
    }
    Ok(store.layer(&opts.layer).await?.is_some_and(|l| opts.meta.is_satisfied_by(&l)))
}
