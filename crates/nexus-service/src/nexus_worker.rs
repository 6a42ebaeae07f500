//! Keeps the Nexus overlays current: refreshes them when the server starts and after every
//! change to a layer, a project or the rules (changes arriving together are handled once).
//! The refresh itself is incremental and serialised in the database, so several servers on
//! one database cooperate.

use std::time::Duration;

use nexus_store::{Change, Store, NEXUS_HEX, NEXUS_LINKS};

/// How long to wait for more changes before refreshing: an ingest and its catalog update, or a
/// batch of project edits, arrive as several notifications.
const SETTLE: Duration = Duration::from_millis(50);

/// Starts the worker; it stops with the runtime.
pub fn start(store: Store) {
    let mut changes = store.listen();
    tokio::spawn(async move {
        refresh(&store).await;
        while let Some(change) = changes.recv().await {
            if !relevant(&change) {
                continue;
            }
            // Take whatever else arrived meanwhile; one refresh covers them all.
            tokio::time::sleep(SETTLE).await;
            while let Ok(more) = changes.try_recv() {
                let _ = more;
            }
            refresh(&store).await;
        }
    });
}

fn relevant(change: &Change) -> bool {
    match change {
        Change::Layer { id, .. } => id != NEXUS_LINKS && id != NEXUS_HEX,
        Change::Projects | Change::Rules | Change::Resync => true,
        Change::Accounts | Change::Lost => false,
    }
}

/// Tries again after a failure (a deadlock with an ingest, a dropped connection): without it
/// the overlays would stay stale until some unrelated change arrived.
const RETRIES: [Duration; 3] = [Duration::from_millis(500), Duration::from_secs(5), Duration::from_secs(30)];

async fn refresh(store: &Store) {
    for (attempt, wait) in std::iter::once(Duration::ZERO).chain(RETRIES).enumerate() {
        tokio::time::sleep(wait).await;
        match store.refresh_nexus().await {
            Ok(r) => {
                if r.changed() {
                    tracing::info!(
                        nexus.full = r.full,
                        nexus.sources = r.sources,
                        nexus.removed = r.links_removed,
                        nexus.added = r.links_added,
                        elapsed_ms = r.elapsed_ms,
                        "Nexus overlays updated"
                    );
                }
                return;
            }
            Err(e) => tracing::warn!(error = %e, attempt, "cannot update the Nexus overlays; they stay as they were"),
        }
    }
}
