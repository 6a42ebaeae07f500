//! Opening the database: `DATABASE_URL` when given, otherwise the embedded cluster.

use anyhow::anyhow;
use nexus_store::cluster::Cluster;
use nexus_store::{Store, StoreConfig, StoreError};

use crate::config::Settings;

/// Connects (starting the embedded cluster when there is no URL) and migrates.
pub async fn open(settings: &Settings) -> anyhow::Result<Store> {
    let (url, app_url, external) = match &settings.database_url {
        Some(url) => (url.clone(), settings.database_app_url.clone(), true),
        None => {
            let roles = embedded_roles(settings).await?;
            (roles.owner, Some(roles.app), false)
        }
    };
    let mut config = StoreConfig::new(url);
    config.app_url = app_url;
    config.pool_size = settings.pool_size;
    config.reserve = settings.pool_reserve.min(settings.pool_size.saturating_sub(1));
    config.budgets = settings.budgets;
    config.read_urls = settings.read_urls.clone();
    Ok(Store::connect(&config).await.map_err(|e| explain(e, external))?.with_layer_history(settings.layer_history))
}

/// Starts the embedded cluster if need be; the URLs of its owner and application roles.
pub async fn embedded_roles(settings: &Settings) -> anyhow::Result<nexus_store::cluster::RoleUrls> {
    let cluster = Cluster::new(&settings.home).map_err(|e| anyhow!("{e}"))?;
    cluster.ensure_database().await.map_err(|e| anyhow!("cannot start the embedded PostGIS: {e}"))?;
    cluster.ensure_roles().await.map_err(|e| anyhow!("cannot set up the embedded PostGIS's roles: {e}"))
}

/// Adds the one hint that fixes the problem to a connection error.
fn explain(e: StoreError, external: bool) -> anyhow::Error {
    match e {
        StoreError::Connect { .. } | StoreError::BadUrl(_) if external => {
            anyhow!("{e}; check DATABASE_URL, or unset it to use the embedded PostGIS")
        }
        other => anyhow!("{other}"),
    }
}
