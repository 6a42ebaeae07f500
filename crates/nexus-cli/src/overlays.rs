//! `nexus overlays [--full]`: bring the Nexus overlays up to date now (a running server does
//! it after every change; this is for scripts, benchmarks and databases without a server).

use std::io::Write;

use crate::config::Settings;
use crate::database;

/// Refreshes (or, with `full`, rebuilds) the overlays and says what it did.
///
/// # Errors
/// When the database cannot be reached or a query fails.
pub async fn run(settings: &Settings, full: bool) -> anyhow::Result<()> {
    let store = database::open(settings).await?;
    let r = if full { store.rebuild_nexus().await? } else { store.refresh_nexus().await? };
    writeln!(
        std::io::stdout(),
        "Nexus overlays {}: {} sources, {} links removed, {} added, {} cells in {} ms",
        if r.full { "recomputed" } else { "updated" },
        r.sources,
        r.links_removed,
        r.links_added,
        r.cells,
        r.elapsed_ms
    )?;
    Ok(())
}
