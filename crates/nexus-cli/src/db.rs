//! `nexus db start|stop|status|url`: the embedded PostGIS by hand.

use std::io::Write;

use anyhow::{anyhow, bail};
use nexus_store::cluster::{Cluster, ClusterStatus};

use crate::config::{DbAction, ReplicaAction, Settings};
use crate::database;

/// Runs `nexus db ACTION`.
///
/// # Errors
/// When the cluster or database cannot be managed as asked.
pub async fn run(settings: &Settings, action: DbAction) -> anyhow::Result<()> {
    match action {
        DbAction::Backup { output } => return crate::backup::backup(settings, &output).await,
        DbAction::Restore { file, force } => return crate::backup::restore(settings, &file, force).await,
        DbAction::Replica { action } => return replica(settings, action).await,
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
            DbAction::Backup { .. } | DbAction::Restore { .. } | DbAction::Replica { .. } => {
                unreachable!("handled above")
            }
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
        DbAction::Backup { .. } | DbAction::Restore { .. } | DbAction::Replica { .. } => unreachable!("handled above"),
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

/// Runs `nexus db replica ACTION`.
async fn replica(settings: &Settings, action: ReplicaAction) -> anyhow::Result<()> {
    if settings.database_url.is_some() {
        bail!(
            "DATABASE_URL is set, so the embedded PostGIS is not used; make replicas of that server with its own \
             tools (pg_basebackup -R) and name them in DATABASE_READ_URLS"
        );
    }
    let cluster = Cluster::new(&settings.home).map_err(|e| anyhow!("{e}"))?;
    let mut out = std::io::stdout().lock();
    match action {
        ReplicaAction::Start => {
            // The roles first, so that the copy has them.
            database::embedded_roles(settings).await?;
            let c = cluster.clone();
            let port = tokio::task::spawn_blocking(move || c.start_replica()).await??;
            writeln!(out, "embedded PostGIS replica running on 127.0.0.1:{port}, streaming from the primary")?;
            writeln!(out, "DATABASE_READ_URLS={}", cluster.replica_url()?)?;
        }
        ReplicaAction::Stop => {
            let said = if cluster.stop_replica()? { "stopped" } else { "was not running" };
            writeln!(out, "embedded PostGIS replica {said}")?;
        }
        ReplicaAction::Status => match cluster.replica_status()? {
            ClusterStatus::NotInitialized => {
                writeln!(out, "embedded PostGIS replica: none (run 'nexus db replica start')")?;
            }
            ClusterStatus::Stopped => writeln!(out, "embedded PostGIS replica: stopped")?,
            ClusterStatus::Running { pid, port } => {
                writeln!(out, "embedded PostGIS replica: running (pid {pid}, 127.0.0.1:{port})")?;
                writeln!(out, "DATABASE_READ_URLS={}", cluster.replica_url()?)?;
            }
        },
    }
    Ok(())
}
