//! The connection pool and the checks made before anyone may use it.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls};

pub(crate) use crate::target::{connect_one, describe_target, parse_url, Target};

/// Connections the schema's owner keeps for background jobs, when requests run as another role.
const JOB_CONNECTIONS: usize = 6;

/// A pool of connections to `t` carrying the time budgets.
fn build_pool(t: &Target, b: Budgets, size: usize) -> StoreResult<Pool> {
    let mut pooled = t.pg.clone();
    let budgets = format!(
        "-c statement_timeout={} -c lock_timeout={} -c idle_in_transaction_session_timeout={}",
        b.statement.as_millis(),
        b.lock.as_millis(),
        b.idle_in_transaction.as_millis()
    );
    pooled.options(&match t.pg.get_options() {
        Some(given) if !given.is_empty() => format!("{given} {budgets}"),
        _ => budgets,
    });
    let recycling = ManagerConfig { recycling_method: RecyclingMethod::Fast };
    let manager = match &t.tls.connector {
        Some(tls) => Manager::from_config(pooled, tls.clone(), recycling),
        None => Manager::from_config(pooled, NoTls, recycling),
    };
    Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(Duration::from_secs(30)))
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .build()
        .map_err(|e| StoreError::Pool(e.to_string()))
}

use crate::error::{describe, StoreError, StoreResult};
use crate::migrate;

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `postgres://user:password@host:port/database`: the schema's owner, which runs the
    /// migrations and the work that changes the schema.
    pub url: String,
    /// The role requests run as, allowed only to read and write rows (see `roles.rs`); `None`:
    /// the owner does everything.
    pub app_url: Option<String>,
    /// Most connections held open at once.
    pub pool_size: usize,
    /// Connections kept for writes and `/health`: reads (tiles, items, exports, search, the
    /// what-if) share the rest, so a flood of them cannot lock editors and monitoring out.
    pub reserve: usize,
    /// How long to wait for the server before giving up.
    pub connect_timeout: Duration,
    /// Time budgets of every pooled connection.
    pub budgets: Budgets,
    /// Streaming replicas that requests' reads may use (see `replicas.rs`); writes, sessions,
    /// notifications and background jobs always use `url`.
    pub read_urls: Vec<String>,
}

/// Time budgets the database enforces on pooled connections. Background jobs (ingests,
/// Nexus refreshes, restores) lift the statement budget for their own transaction; the
/// schema changes they make wait for locks in short, retried steps instead (see `ddl`).
#[derive(Debug, Clone, Copy)]
pub struct Budgets {
    /// `statement_timeout`: one statement of a request (a tile, an items page, a what-if).
    pub statement: Duration,
    /// `lock_timeout`: waiting for a lock.
    pub lock: Duration,
    /// `idle_in_transaction_session_timeout`: a transaction left open and idle.
    pub idle_in_transaction: Duration,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            statement: Duration::from_secs(10),
            lock: Duration::from_secs(5),
            idle_in_transaction: Duration::from_secs(120),
        }
    }
}

impl StoreConfig {
    /// Defaults for a URL: 16 connections (4 kept for writes), 5 s connect timeout, default
    /// budgets.
    pub fn new(url: impl Into<String>) -> Self {
        StoreConfig {
            url: url.into(),
            app_url: None,
            pool_size: 16,
            reserve: 4,
            connect_timeout: Duration::from_secs(5),
            budgets: Budgets::default(),
            read_urls: Vec::new(),
        }
    }
}

/// A pooled connection for a read, holding one of the readers' shares.
pub(crate) struct ReadClient {
    client: Object,
    _share: tokio::sync::OwnedSemaphorePermit,
}

impl std::ops::Deref for ReadClient {
    type Target = Object;
    fn deref(&self) -> &Object {
        &self.client
    }
}

impl std::ops::DerefMut for ReadClient {
    fn deref_mut(&mut self) -> &mut Object {
        &mut self.client
    }
}

/// A migrated PostGIS database behind a connection pool. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// The schema owner's connections (the same pool when one role does everything).
    jobs: Pool,
    /// Shares of the pool that reads may hold at once (`pool_size - reserve`).
    reads: std::sync::Arc<tokio::sync::Semaphore>,
    target: String,
    pg: tokio_postgres::Config,
    tls: crate::tls::Tls,
    /// How many earlier data revisions each layer keeps for restore.
    pub(crate) layer_history: u32,
    /// Streaming replicas for requests' reads.
    pub(crate) replicas: std::sync::Arc<crate::replicas::Replicas>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("target", &self.target).finish_non_exhaustive()
    }
}

/// Earlier data revisions a layer keeps unless configured otherwise.
pub const DEFAULT_LAYER_HISTORY: u32 = 5;

impl Store {
    /// Keeps the data of the last `n` revisions of each layer for restore (`layer_history`).
    #[must_use]
    pub fn with_layer_history(mut self, n: u32) -> Self {
        self.layer_history = n;
        self
    }

    /// Connects, makes sure PostGIS is enabled, applies pending migrations and opens the pool.
    ///
    /// # Errors
    /// A [`StoreError`] naming the first thing that is wrong: a bad URL, an unreachable
    /// server, a missing PostGIS, or a migration that failed.
    pub async fn connect(config: &StoreConfig) -> StoreResult<Store> {
        let owner = parse_url(&config.url, config.connect_timeout)?;
        let target = describe_target(&owner.pg);
        let mut client = connect_one(&owner).await?;
        ensure_postgis(&client, &owner.pg, &target).await?;
        migrate::run(&mut client).await?;
        let app = match &config.app_url {
            Some(url) => {
                let app = parse_url(url, config.connect_timeout)?;
                crate::roles::grant(&client, app.pg.get_user().unwrap_or_default()).await?;
                Some(app)
            }
            None => None,
        };
        drop(client);
        let pool = build_pool(app.as_ref().unwrap_or(&owner), config.budgets, config.pool_size)?;
        // Schema changes (ingests, Nexus refreshes, restores) go through the owner's own few
        // connections when requests run as a role that may not make them.
        let jobs = match &app {
            Some(_) => build_pool(&owner, config.budgets, JOB_CONNECTIONS)?,
            None => pool.clone(),
        };
        let readers = config.pool_size.saturating_sub(config.reserve).max(1);
        let reads = std::sync::Arc::new(tokio::sync::Semaphore::new(readers));
        let mut replica_pools = Vec::with_capacity(config.read_urls.len());
        for url in &config.read_urls {
            let replica = parse_url(url, config.connect_timeout)?;
            let (reads, probe) =
                (build_pool(&replica, config.budgets, readers)?, build_pool(&replica, config.budgets, 1)?);
            replica_pools.push((reads, probe, describe_target(&replica.pg)));
        }
        let replicas = crate::replicas::Replicas::start(replica_pools);
        let Target { pg, tls } = app.unwrap_or(owner);
        Ok(Store { pool, jobs, reads, target, pg, tls, layer_history: DEFAULT_LAYER_HISTORY, replicas })
    }

    /// `host:port/database` of the server, without credentials (for logs and messages).
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The connection settings (for connections outside the pool, such as the listener's).
    pub(crate) fn pg_config(&self) -> &tokio_postgres::Config {
        &self.pg
    }

    /// How connections are encrypted.
    pub(crate) fn tls(&self) -> &crate::tls::Tls {
        &self.tls
    }

    /// A pooled connection, from the whole pool (writes, health).
    pub(crate) async fn client(&self) -> StoreResult<Object> {
        Ok(self.pool.get().await?)
    }

    /// A connection of the schema's owner, for work that changes the schema (an ingest's
    /// partitions, the Nexus overlays' tables, a layer's delete or restore).
    pub(crate) async fn job_client(&self) -> StoreResult<Object> {
        Ok(self.jobs.get().await?)
    }

    /// A pooled connection for a read on behalf of a request, leaving the reserve alone.
    pub(crate) async fn read_client(&self) -> StoreResult<ReadClient> {
        let wait = self.pool.timeouts().wait.unwrap_or(Duration::from_secs(30));
        let share = tokio::time::timeout(wait, std::sync::Arc::clone(&self.reads).acquire_owned())
            .await
            .map_err(|_| StoreError::Pool(format!("every reader's connection stayed busy for {} s", wait.as_secs())))?
            .map_err(|e| StoreError::Pool(e.to_string()))?;
        let client = match self.replicas.client().await {
            Some(replica) => replica,
            None => self.pool.get().await?,
        };
        Ok(ReadClient { client, _share: share })
    }

    /// The primary's current WAL position (bytes): a write committed before this call is
    /// visible on a replica that has replayed this far.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn wal_position(&self) -> StoreResult<u64> {
        let row = self
            .client()
            .await?
            .query_one(crate::replicas::FLUSHED_WAL_SQL, &[])
            .await
            .map_err(StoreError::query("wal_position"))?;
        Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
    }

    /// Whether requests' reads may go to streaming replicas.
    pub fn has_replicas(&self) -> bool {
        self.replicas.any()
    }

    /// Each replica's state and the number of requests' reads the primary served.
    pub fn read_status(&self) -> (Vec<crate::replicas::ReplicaStatus>, u64) {
        self.replicas.status()
    }

    /// Closes every pooled connection; later calls fail.
    pub fn close(&self) {
        self.pool.close();
        self.jobs.close();
    }
}

async fn ensure_postgis(client: &Client, pg: &tokio_postgres::Config, target: &str) -> StoreResult<()> {
    let enabled = client
        .query_opt("SELECT extversion FROM pg_extension WHERE extname = 'postgis'", &[])
        .await
        .map_err(StoreError::query("postgis_enabled"))?;
    if enabled.is_some() {
        return Ok(());
    }
    let available = client
        .query_opt("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'", &[])
        .await
        .map_err(StoreError::query("postgis_available"))?;
    if available.is_none() {
        return Err(StoreError::PostgisMissing { target: target.to_owned() });
    }
    match client.batch_execute("CREATE EXTENSION IF NOT EXISTS postgis").await {
        Ok(()) => Ok(()),
        Err(e) if e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) => Err(StoreError::PostgisNotEnabled {
            database: pg.get_dbname().unwrap_or("?").to_owned(),
            user: pg.get_user().unwrap_or("?").to_owned(),
            reason: describe(&e),
        }),
        // Another server enabled it at the same moment: that is success too.
        Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => Ok(()),
        Err(e) => Err(StoreError::query("create_extension_postgis")(e)),
    }
}
