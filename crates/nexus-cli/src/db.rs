//! `nexus db start|stop|status|url`: the embedded PostGIS by hand.

use std::io::Write;

use anyhow::{anyhow, bail};
use nexus_store::cluster::{Cluster, ClusterStatus};

use crate::config::{DbAction, Settings};
use crate::database;

/// Runs `nexus db ACTION`.
///
/// # Errors
/// When the cluster or database cannot be managed as asked.
pub async fn run(settings: &Settings, action: DbAction) -> anyhow::Result<()> {
    match action {
        DbAction::Backup { output } => return crate::backup::backup(settings, &output).await,
        DbAction::Restore { file, force } => return crate::backup::restore(settings, &file, force).await,
        _ => {}
    }
    let mut out = std::io::stdout().lock();
    if let Some(url) = &settings.database_url {
        return match action {
            DbAction::Status => {
                let store = database::open(settings).await?;
                let info = store.database_info().await?;
                let tls = if info.tls { "encrypted (TLS)" } else { "not encrypted" };
                writeln!(out, "external database {}: up, {tls}", store.target())?;
                writeln!(
                    out,
                    "PostgreSQL {}, PostGIS {}, schema version {}",
                    info.postgres_version, info.postgis_version, info.schema_version
                )?;
                Ok(())
            }
            DbAction::Url => Ok(writeln!(out, "{url}")?),
            DbAction::Backup { .. } | DbAction::Restore { .. } => unreachable!("handled above"),
            DbAction::Start | DbAction::Stop => {
                bail!(
                    "DATABASE_URL is set, so the embedded PostGIS is not used; unset DATABASE_URL to manage {}",
                    settings.home.display()
                )
            }
        };
    }
    let cluster = Cluster::new(&settings.home).map_err(|e| anyhow!("{e}"))?;
    match action {
        DbAction::Backup { .. } | DbAction::Restore { .. } => unreachable!("handled above"),
        DbAction::Start => {
            let store = database::open(settings).await?;
            let info = store.database_info().await?;
            let state = cluster.state()?.ok_or_else(|| anyhow!("the cluster vanished while starting"))?;
            writeln!(
                out,
                "embedded PostGIS running on 127.0.0.1:{} (PostgreSQL {}, PostGIS {}), data in {}",
                state.port,
                info.postgres_version,
                info.postgis_version,
                state.pgdata().display()
            )?;
        }
        DbAction::Stop => {
            if cluster.stop()? {
                writeln!(out, "embedded PostGIS stopped")?;
            } else {
                writeln!(out, "embedded PostGIS was not running")?;
            }
        }
        DbAction::Status => match cluster.status()? {
            ClusterStatus::NotInitialized => {
                writeln!(
                    out,
                    "embedded PostGIS: not created yet in {} (run 'nexus db start')",
                    settings.home.display()
                )?;
            }
            ClusterStatus::Stopped => {
                writeln!(out, "embedded PostGIS: stopped (data in {})", cluster_data(&cluster)?)?;
            }
            ClusterStatus::Running { pid, port } => {
                writeln!(
                    out,
                    "embedded PostGIS: running (pid {pid}, 127.0.0.1:{port}, data in {})",
                    cluster_data(&cluster)?
                )?;
            }
        },
        DbAction::Url => {
            let state = cluster.state()?.ok_or_else(|| {
                anyhow!("no embedded database in {} yet; run 'nexus db start'", settings.home.display())
            })?;
            writeln!(out, "{}", state.url_for(&state.database))?;
        }
    }
    Ok(())
}

fn cluster_data(cluster: &Cluster) -> anyhow::Result<String> {
    Ok(cluster.state()?.map(|s| s.pgdata().display().to_string()).unwrap_or_default())
}
