//! Time budgets inside the database. Pooled connections carry short statement and lock
//! budgets (see `StoreConfig::budgets`); a background job lifts them for its own transaction,
//! and the schema changes that need `features`' strongest lock take it in short, retried steps.

use std::time::Duration;

use tokio_postgres::error::SqlState;
use tokio_postgres::GenericClient;

use crate::error::{StoreError, StoreResult};

/// Run first in a background job's transaction (an ingest, a Nexus refresh, a restore): it may
/// run for minutes, and waits for the locks it needs.
pub(crate) const JOB: &str = "SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0";

/// For a long job's transaction that also waits on its own work between statements (a
/// pre-render writes tiles while it renders them): [`JOB`], and no idle-in-transaction limit.
pub(crate) const LONG_JOB: &str =
    "SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0; SET LOCAL idle_in_transaction_session_timeout = 0";

/// `sql` run on its own as a job (outside any transaction the caller holds).
pub(crate) fn as_job(sql: &str) -> String {
    format!("BEGIN; {JOB}; {sql}; COMMIT")
}

/// Tries a schema change at most this often before giving up as busy.
const ATTEMPTS: u32 = 20;
/// How long one try waits for its locks.
const LOCK_WAIT: &str = "1s";

/// Runs `sql` — a schema change that takes `features`' strongest lock (detaching, dropping or
/// attaching a partition) — in a savepoint that waits at most a second for its locks, and
/// tries again after a pause, up to about 30 s. A reader holding the table (a slow download)
/// then delays the change instead of everyone's queries queueing behind the waiting change.
///
/// # Errors
/// [`StoreError::Busy`] when the locks could not be had in time; the query's error otherwise.
pub(crate) async fn ddl(client: &impl GenericClient, what: &'static str, sql: &str) -> StoreResult<()> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        client
            .batch_execute(&format!("SAVEPOINT nexus_ddl; SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
            .await
            .map_err(StoreError::query(what))?;
        match client.batch_execute(sql).await {
            Ok(()) => {
                return client
                    .batch_execute("RELEASE SAVEPOINT nexus_ddl; SET LOCAL lock_timeout = 0")
                    .await
                    .map_err(StoreError::query(what));
            }
            Err(e) if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) && attempt < ATTEMPTS => {
                client.batch_execute("ROLLBACK TO SAVEPOINT nexus_ddl").await.map_err(StoreError::query(what))?;
                tracing::debug!(what, attempt, "a reader holds the table; trying again");
                tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt.min(5)))).await;
            }
            Err(e) => return Err(StoreError::failed(what, &e)),
        }
    }
}
