//! `nexus prerender [LAYER…]`: render the low-zoom tiles of layers into the tile store now,
//! instead of waiting for a server to do it after the change. It needs no GDAL and runs on
//! one thread: every tile buffer is then made and freed on the same heap.

use std::io::Write;
use std::time::Instant;

use nexus_core::LayerId;

use crate::config::Settings;
use crate::database;

/// Runs `nexus prerender`.
///
/// # Errors
/// When the database fails or a layer is unknown.
pub async fn run(settings: &Settings, layers: Vec<LayerId>, maxzoom: u8) -> anyhow::Result<()> {
    let store = database::open(settings).await?;
    let ids = if layers.is_empty() {
        store.layers(&nexus_core::DraftScope::All).await?.into_iter().map(|l| l.id).collect()
    } else {
        layers
    };
    for id in ids {
        let started = Instant::now();
        let tiles = nexus_service::tiles::prerender::prerender(&store, &id, maxzoom).await?;
        writeln!(std::io::stdout(), "{id}: {tiles} tiles pre-rendered in {:.1} s", started.elapsed().as_secs_f64())?;
    }
    Ok(())
}
