//! Following the catalog's change notifications: a layer's new state, what its tiles need
//! (nothing, the tiles a feature edit touched, or everything), and reloading the whole catalog
//! when a notification may have been lost.

use std::sync::Arc;

use nexus_core::{Layer, LayerId};
use nexus_store::{Change, StoreError};
use tokio::sync::mpsc;

use super::Tiles;
use crate::tiles::prerender::Job;

impl Tiles {
    pub(super) async fn apply(&self, change: Change) -> Result<(), StoreError> {
        match change {
            Change::Layer { id, revision } if revision < 0 => self.forget(&id),
            Change::Layer { id, .. } => {
                let Ok(layer_id) = LayerId::new(id.clone()) else { return Ok(()) };
                match self.store.layer(&layer_id).await? {
                    Some(layer) => self.take(layer).await?,
                    None => self.forget(&id),
                }
            }
            Change::Resync => self.reload().await?,
            Change::Lost => self.set_trusted(false),
            Change::Projects => {
                self.catalog.put(self.store.projects_tile_source().await?);
                self.invalidate(nexus_store::PROJECTS_TILES);
            }
            Change::Rules | Change::Accounts => {}
        }
        Ok(())
    }

    fn forget(&self, id: &str) {
        self.catalog.remove(id);
        self.edits.remove(id);
        self.invalidate(id);
    }

    /// Makes `layer`, as just read, the catalog's entry, and retires its tiles: after feature
    /// edits, those the edited features touched (and their stored rows are redrawn); after a
    /// change as a whole, all of them.
    pub(super) async fn take(&self, layer: Layer) -> Result<(), StoreError> {
        let _one_at_a_time = self.taking.lock().await;
        let id = layer.id.as_str().to_owned();
        let before = self.edits.get(&id);
        // The same layer (not one deleted and made again under its id) with no change as a
        // whole since the log began (a log started over has a base past the layer's).
        let known = self.catalog.get(&id);
        let same_layer = known.as_ref().is_some_and(|o| o.created_at == layer.created_at);
        let same_generation = before.as_ref().filter(|l| same_layer && layer.edit_base <= l.base);
        let newer_here = same_layer && known.is_some_and(|o| o.revision > layer.revision);
        if newer_here || same_generation.is_some_and(|l| layer.revision < l.upto) {
            // Read before a newer state another task has already taken.
            return Ok(());
        }
        let (log, added) = match same_generation {
            Some(l) if layer.revision > l.upto => {
                let added = self.store.edit_places(&layer.id, l.upto, layer.revision).await?;
                let log = Arc::new(l.extended(layer.revision, added.clone()));
                (self.edits.put(&id, Arc::unwrap_or_clone(log)), added)
            }
            Some(l) => (Arc::clone(l), Vec::new()),
            None => (self.start_log(&layer).await?, Vec::new()),
        };
        let old = self.catalog.put(layer.clone());
        let same_view = old.as_ref().is_some_and(|o| {
            o.minzoom == layer.minzoom && o.maxzoom == layer.maxzoom && o.visibility == layer.visibility
        });
        if !same_layer || !same_view || before.is_none_or(|b| b.base != log.base) {
            self.invalidate(&id);
        } else if !added.is_empty() {
            let places: Vec<[f64; 4]> = added.iter().map(|p| p.1).collect();
            self.invalidate_where(&id, places.clone());
            self.queue(Job::Redraw { layer: layer.id.clone(), places });
        }
        self.queue_prerender(&layer);
        Ok(())
    }

    /// Reads the whole catalog again; the tiles of layers that changed meanwhile are
    /// forgotten, and the catalog is trusted again.
    pub(super) async fn reload(&self) -> Result<(), StoreError> {
        // A listener lost while reading cannot vouch for what was read.
        let losses = self.heard.losses();
        let fresh = self.store.layers(&nexus_core::DraftScope::All).await?;
        for l in self.catalog.all() {
            if l.id.as_str() != nexus_store::PROJECTS_TILES && !fresh.iter().any(|f| f.id == l.id) {
                self.forget(l.id.as_str());
            }
        }
        for l in fresh {
            self.take(l).await?;
        }
        self.catalog.put(self.store.projects_tile_source().await?);
        self.invalidate(nexus_store::PROJECTS_TILES);
        if self.heard.losses() == losses {
            self.set_trusted(true);
        }
        Ok(())
    }

    /// Applies every change heard, for as long as the tile service lives.
    /// Each change is marked the moment it is heard (a lost listener distrusts the catalog at
    /// once), then applied in order.
    pub(super) async fn follow_changes(tiles: std::sync::Weak<Tiles>, mut changes: mpsc::Receiver<Change>) {
        let (heard, mut queue) = mpsc::unbounded_channel();
        let marker = tiles.clone();
        tokio::spawn(async move {
            while let Some(change) = changes.recv().await {
                let Some(tiles) = marker.upgrade() else { return };
                tiles.heard.heard(&change);
                if change == Change::Lost {
                    tiles.set_trusted(false);
                }
                if heard.send(change).is_err() {
                    return;
                }
            }
        });
        while let Some(change) = queue.recv().await {
            let Some(tiles) = tiles.upgrade() else { return };
            tracing::debug!(?change, "change notification");
            let applied = tiles.apply(change.clone()).await;
            tiles.heard.applied(&change);
            if let Err(e) = applied {
                // The catalog may now be stale: distrust it until a reload succeeds.
                tracing::warn!(error = %e, "cannot apply a change; reading the catalog again");
                tiles.set_trusted(false);
                tiles.cache.invalidate_all();
                let retry = std::sync::Arc::downgrade(&tiles);
                tokio::spawn(async move {
                    let mut wait = std::time::Duration::from_millis(200);
                    while let Some(tiles) = retry.upgrade() {
                        if tiles.trusted() || tiles.reload().await.is_ok() {
                            return;
                        }
                        drop(tiles);
                        tokio::time::sleep(wait).await;
                        wait = (wait * 2).min(std::time::Duration::from_secs(10));
                    }
                });
            }
        }
    }
}
