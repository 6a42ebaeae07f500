//! `nexus db backup -o FILE` and `nexus db restore FILE [--force]`: the atlas to one file and
//! back, from and into the embedded cluster or `DATABASE_URL`.

use std::path::Path;
use std::time::Instant;

use anyhow::anyhow;
use indicatif::{ProgressBar, ProgressStyle};
use nexus_store::cluster::Cluster;

use crate::config::Settings;
use crate::export::human_bytes;

/// The database's URL: `DATABASE_URL`, or the embedded cluster's (started if need be).
async fn url_of(settings: &Settings) -> anyhow::Result<String> {
    match &settings.database_url {
        Some(url) => Ok(url.clone()),
        None => {
            let cluster = Cluster::new(&settings.home).map_err(|e| anyhow!("{e}"))?;
            cluster.ensure_database().await.map_err(|e| anyhow!("cannot start the embedded PostGIS: {e}"))
        }
    }
}

/// Writes the backup, with a progress line on a terminal.
///
/// # Errors
/// When the database cannot be reached or `pg_dump` fails; `output` is then left as it was.
pub async fn backup(settings: &Settings, output: &Path) -> anyhow::Result<()> {
    let url = url_of(settings).await?;
    let started = Instant::now();
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("backing up: {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let bytes = nexus_store::backup::backup(&url, output, &|n| bar.set_message(format!("{} written", human_bytes(n))))
        .await
        .map_err(|e| anyhow!("backup failed: {e}"))?;
    bar.finish_and_clear();
    println!(
        "backed up the atlas to {} ({}) in {:.1} s; restore it with `nexus db restore {}`",
        output.display(),
        human_bytes(bytes),
        started.elapsed().as_secs_f64(),
        output.display()
    );
    Ok(())
}

/// Restores a backup and brings its schema up to this version.
///
/// # Errors
/// When the database already holds an atlas (without `force`), the file is not a backup, or
/// the restore fails; the database is then as it was.
pub async fn restore(settings: &Settings, file: &Path, force: bool) -> anyhow::Result<()> {
    if !file.is_file() {
        return Err(anyhow!("{}: no such file", file.display()));
    }
    let url = url_of(settings).await?;
    let started = Instant::now();
    nexus_store::backup::restore(&url, file, force).await.map_err(|e| anyhow!("restore failed: {e}"))?;
    // Migrations bring a backup of an older version up to this one.
    let store = crate::database::open(settings).await?;
    let (cities, layers, projects) = store.contents().await?;
    println!(
        "restored {} into {} in {:.1} s: {cities} cities, {layers} layers, {projects} projects",
        file.display(),
        store.target(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
