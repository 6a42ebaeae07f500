//! What the database is: versions for `/health` and `nexus db status`.

use serde::Serialize;

use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

/// Versions of the database server and its spatial extension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabaseInfo {
    /// PostgreSQL `server_version` (`15.18 (Debian 15.18-0+deb12u1)`).
    pub postgres_version: String,
    /// PostGIS library version (`3.3.2`).
    pub postgis_version: String,
    /// GEOS version PostGIS was built with.
    pub geos_version: String,
    /// PROJ version PostGIS was built with.
    pub proj_version: String,
    /// Highest applied migration.
    pub schema_version: i32,
    /// Whether this connection to the server is encrypted (TLS).
    pub tls: bool,
}

impl Store {
    /// Asks the server for its versions; doubles as a liveness probe.
    ///
    /// # Errors
    /// When no connection can be had or the query fails.
    pub async fn database_info(&self) -> StoreResult<DatabaseInfo> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT current_setting('server_version'), postgis_lib_version(), postgis_geos_version(), \
                        postgis_proj_version(), (SELECT coalesce(max(version), 0) FROM nexus_migrations), \
                        coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)",
                &[],
            )
            .await
            .map_err(StoreError::query("database_info"))?;
        Ok(DatabaseInfo {
            postgres_version: row.get(0),
            postgis_version: row.get(1),
            geos_version: row.get(2),
            proj_version: row.get(3),
            schema_version: row.get(4),
            tls: row.get(5),
        })
    }

    /// How many cities, layers and projects the atlas holds (for what a restore says).
    ///
    /// # Errors
    /// When the query fails.
    pub async fn contents(&self) -> StoreResult<(i64, i64, i64)> {
        let row = self
            .client()
            .await?
            .query_one(
                "SELECT (SELECT count(*) FROM cities), (SELECT count(*) FROM layers), (SELECT count(*) FROM projects)",
                &[],
            )
            .await
            .map_err(StoreError::query("contents"))?;
        Ok((row.get(0), row.get(1), row.get(2)))
    }

    /// The role requests run as, and whether it is a superuser (which least privilege
    /// advises against).
    ///
    /// # Errors
    /// When the query fails.
    pub async fn runs_as(&self) -> StoreResult<(String, bool)> {
        let row = self
            .client()
            .await?
            .query_one("SELECT current_user::text, rolsuper FROM pg_roles WHERE rolname = current_user", &[])
            .await
            .map_err(StoreError::query("runs_as"))?;
        Ok((row.get(0), row.get(1)))
    }
}
