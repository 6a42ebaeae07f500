//! Reads from streaming replicas. Requests' reads (tiles, items, exports, summaries, search)
//! go to a replica that has replayed far enough, in turn; everything else, and every read when
//! no replica is fit, goes to the primary. "Far enough" is the highest of two WAL positions:
//! - the store's floor, raised to the primary's position each time a change notification
//!   arrives, so that a server which heard of a change never renders it from a replica that
//!   has not seen it yet (it would cache a stale tile under the new revision);
//! - the caller's own (`reading_after`): a client that wrote reads its write back at once.
//!
//! Each replica's replay position is polled every [`POLL`]; a replica that does not answer is
//! left alone until it does, so stopping one sends reads to the primary, not errors.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use deadpool_postgres::{Object, Pool};
use serde::Serialize;

use crate::error::{StoreError, StoreResult};

/// The primary's flushed WAL position in bytes: a commit that returned is at or before it.
pub(crate) const FLUSHED_WAL_SQL: &str = "SELECT (pg_current_wal_flush_lsn() - '0/0'::pg_lsn)::bigint";

/// How often each replica is asked how far it has replayed.
pub const POLL: Duration = Duration::from_millis(100);
/// How long a read waits for a replica's connection before using the primary.
const CONNECT_WAIT: Duration = Duration::from_secs(1);

tokio::task_local! {
    static READ_AFTER: u64;
    static PRIMARY_ONLY: bool;
}

/// Runs `f` with its reads seeing at least WAL position `lsn` (a client's own last write).
pub async fn reading_after<F: Future>(lsn: u64, f: F) -> F::Output {
    READ_AFTER.scope(lsn, f).await
}

/// Runs `f` with every read on the primary (a write request reads what it is changing).
pub async fn reading_primary<F: Future>(f: F) -> F::Output {
    PRIMARY_ONLY.scope(true, f).await
}

/// One replica as `/health` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplicaStatus {
    /// `host:port/database` (for the operator's logs; `/health` is public and leaves it out).
    #[serde(skip)]
    pub target: String,
    /// Whether it answered its last poll.
    pub healthy: bool,
    /// WAL position it has replayed (bytes).
    pub replayed: u64,
    /// Reads it has served.
    pub reads: u64,
}

struct Replica {
    pool: Pool,
    /// One connection of its own for the polls, so that reads filling `pool` never make a
    /// busy replica look dead.
    probe: Pool,
    target: String,
    healthy: AtomicBool,
    replayed: AtomicU64,
    reads: AtomicU64,
}

/// The replicas of a store (none when not configured).
#[derive(Default)]
pub(crate) struct Replicas {
    list: Vec<Replica>,
    floor: AtomicU64,
    turn: AtomicUsize,
    primary_reads: AtomicU64,
}

impl Replicas {
    /// Replicas behind `pools` (reads, probe, target), polled from now on.
    pub(crate) fn start(pools: Vec<(Pool, Pool, String)>) -> Arc<Replicas> {
        let list = pools
            .into_iter()
            .map(|(pool, probe, target)| Replica {
                pool,
                probe,
                target,
                healthy: AtomicBool::new(false),
                replayed: AtomicU64::new(0),
                reads: AtomicU64::new(0),
            })
            .collect::<Vec<_>>();
        let replicas = Arc::new(Replicas { list, ..Replicas::default() });
        if !replicas.list.is_empty() {
            tokio::spawn(poll(Arc::downgrade(&replicas)));
        }
        replicas
    }

    /// Whether any replica is configured.
    pub(crate) fn any(&self) -> bool {
        !self.list.is_empty()
    }

    /// Raises the floor every replica read must have replayed to.
    pub(crate) fn raise_floor(&self, lsn: u64) {
        self.floor.fetch_max(lsn, Ordering::AcqRel);
    }

    /// A connection to a replica fit for this read, if one is; `None`: use the primary.
    pub(crate) async fn client(&self) -> Option<Object> {
        if self.list.is_empty() {
            // No replicas: nothing to count or choose on the tile path.
            return None;
        }
        if PRIMARY_ONLY.try_with(|p| *p).unwrap_or(false) {
            self.primary_reads.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let need = self.floor.load(Ordering::Acquire).max(READ_AFTER.try_with(|l| *l).unwrap_or(0));
        let start = self.turn.fetch_add(1, Ordering::Relaxed);
        for i in 0..self.list.len() {
            let r = &self.list[(start + i) % self.list.len()];
            if !r.healthy.load(Ordering::Acquire) || r.replayed.load(Ordering::Acquire) < need {
                continue;
            }
            match tokio::time::timeout(CONNECT_WAIT, r.pool.get()).await {
                Ok(Ok(c)) if !c.is_closed() => {
                    r.reads.fetch_add(1, Ordering::Relaxed);
                    return Some(c);
                }
                Ok(_) => {
                    r.healthy.store(false, Ordering::Release);
                    tracing::warn!(replica = %r.target, "replica unreachable; reading from the primary until it answers");
                }
                // Every connection busy: this read goes elsewhere, the replica stays in use.
                Err(_) => {}
            }
        }
        self.primary_reads.fetch_add(1, Ordering::Relaxed);
        None
    }

    /// Each replica's state, and the reads the primary served.
    pub(crate) fn status(&self) -> (Vec<ReplicaStatus>, u64) {
        let list = self
            .list
            .iter()
            .map(|r| ReplicaStatus {
                target: r.target.clone(),
                healthy: r.healthy.load(Ordering::Acquire),
                replayed: r.replayed.load(Ordering::Acquire),
                reads: r.reads.load(Ordering::Relaxed),
            })
            .collect();
        (list, self.primary_reads.load(Ordering::Relaxed))
    }
}

/// Asks every replica how far it has replayed, until the store is gone.
async fn poll(replicas: Weak<Replicas>) {
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(replicas) = replicas.upgrade() else { return };
        for r in &replicas.list {
            let replayed = tokio::time::timeout(CONNECT_WAIT, replayed(&r.probe)).await;
            match replayed {
                Ok(Ok(lsn)) => {
                    r.replayed.store(lsn, Ordering::Release);
                    if !r.healthy.swap(true, Ordering::AcqRel) {
                        tracing::info!(replica = %r.target, lsn, "replica answers; reads go to it");
                    }
                }
                Ok(Err(e)) => {
                    if r.healthy.swap(false, Ordering::AcqRel) {
                        tracing::warn!(replica = %r.target, error = %e, "replica does not answer; reading from the primary");
                    }
                }
                Err(_) => {
                    if r.healthy.swap(false, Ordering::AcqRel) {
                        tracing::warn!(replica = %r.target, "replica too slow to answer; reading from the primary");
                    }
                }
            }
        }
    }
}

/// How far a replica has replayed; an error when it is not a replica at all.
async fn replayed(pool: &Pool) -> StoreResult<u64> {
    let client = pool.get().await?;
    let row = client
        .query_one("SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint", &[])
        .await
        .map_err(StoreError::query("replica_replayed"))?;
    let lsn: Option<i64> = row.get(0);
    let lsn =
        lsn.ok_or_else(|| StoreError::Invalid("this server is not a streaming replica (it replays no WAL)".into()))?;
    Ok(u64::try_from(lsn).unwrap_or(0))
}
