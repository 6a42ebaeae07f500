//! The tile service: which tile to serve, from the cache, the pre-rendered store or PostGIS,
//! and keeping all three current as layers change.

use std::sync::Arc;

use nexus_core::{Layer, LayerId, TileCoord};
use nexus_store::{Change, Store, StoreError};
use tokio::sync::mpsc;

use crate::tiles::cache::{new_cache, CachedTile, TileCache, TileKey};
use crate::tiles::catalog::Catalog;
use crate::tiles::prerender;

/// How the tile service behaves.
#[derive(Debug, Clone, Copy)]
pub struct TileSettings {
    /// Bytes of tiles kept in memory.
    pub cache_bytes: u64,
    /// Deepest zoom to pre-render after a change (`None`: never pre-render).
    pub prerender_maxzoom: Option<u8>,
}

impl Default for TileSettings {
    fn default() -> Self {
        TileSettings { cache_bytes: 256 << 20, prerender_maxzoom: Some(10) }
    }
}

/// Tiles for every layer, with their cache and catalog.
pub struct Tiles {
    store: Store,
    catalog: Catalog,
    cache: TileCache,
    prerender: Option<mpsc::UnboundedSender<LayerId>>,
    /// Whether the catalog is known to be current: changes are being heard and the last one
    /// was applied. While it is not, who may see a layer is asked of the database.
    trusted: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Tiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tiles").field("cached", &self.cache.entry_count()).finish_non_exhaustive()
    }
}

impl Tiles {
    /// Loads the catalog and starts the change listener and the pre-render worker.
    ///
    /// # Errors
    /// When the catalog cannot be read.
    pub async fn start(store: Store, settings: TileSettings) -> Result<Arc<Tiles>, StoreError> {
        let catalog = Catalog::new(store.layers(&nexus_core::DraftScope::All).await?);
        catalog.put(store.projects_tile_source().await?);
        let (tx, rx) = mpsc::unbounded_channel();
        let tiles = Arc::new(Tiles {
            store: store.clone(),
            catalog,
            cache: new_cache(settings.cache_bytes),
            prerender: settings.prerender_maxzoom.map(|_| tx),
            // Until the listener says it follows changes, one may have been missed.
            trusted: std::sync::atomic::AtomicBool::new(false),
        });
        if let Some(limit) = settings.prerender_maxzoom {
            tokio::spawn(prerender_worker(store.clone(), rx, limit));
            for l in tiles.catalog.all() {
                tiles.queue_prerender(&l);
            }
        }
        let changes = store.listen();
        tokio::spawn(follow_changes(Arc::downgrade(&tiles), changes));
        Ok(tiles)
    }

    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Whether the catalog is known to be current.
    pub fn trusted(&self) -> bool {
        self.trusted.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn set_trusted(&self, trusted: bool) {
        self.trusted.store(trusted, std::sync::atomic::Ordering::SeqCst);
    }

    /// Layer `id` as it is now: from the catalog while it is trusted (or read from the
    /// database and remembered when the catalog does not know it yet), from the database
    /// while the catalog may be stale — a layer just made a draft must not be served as
    /// public because a change notification was lost.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn layer(&self, id: &LayerId) -> Result<Option<Arc<Layer>>, StoreError> {
        if self.trusted() {
            if let Some(l) = self.catalog.get(id.as_str()) {
                return Ok(Some(l));
            }
        }
        // The projects' tile source has no catalog row of its own: it is made from them.
        let fresh = if id.as_str() == nexus_store::PROJECTS_TILES {
            Some(self.store.projects_tile_source().await?)
        } else {
            self.store.layer(id).await?
        };
        // Remembered only while the catalog is trusted (a layer created a moment ago): a row
        // read while it is not could be older than what a concurrent reload puts there.
        if self.trusted() {
            if let Some(l) = &fresh {
                self.catalog.put(l.clone());
            }
        }
        Ok(fresh.map(Arc::new))
    }

    /// Every layer and the projects' tile source, as [`Tiles::layer`] sees them.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn layers(&self) -> Result<Vec<Arc<Layer>>, StoreError> {
        if self.trusted() {
            return Ok(self.catalog.all());
        }
        let mut all: Vec<Arc<Layer>> =
            self.store.layers(&nexus_core::DraftScope::All).await?.into_iter().map(Arc::new).collect();
        all.push(Arc::new(self.store.projects_tile_source().await?));
        Ok(all)
    }

    fn queue_prerender(&self, layer: &Layer) {
        // The projects change one by one and are few: they are always rendered on demand.
        if layer.id.as_str() == nexus_store::PROJECTS_TILES {
            return;
        }
        if let Some(tx) = &self.prerender {
            if layer.prerendered_revision != Some(layer.revision) && layer.feature_count > 0 {
                let _ = tx.send(layer.id.clone());
            }
        }
    }

    /// One layer's tile: from the cache, else the pre-rendered store, else PostGIS.
    ///
    /// # Errors
    /// When the database fails (shared by every request that waited on the same miss).
    pub async fn layer_tile(&self, layer: &Layer, tile: TileCoord) -> Result<Arc<CachedTile>, Arc<StoreError>> {
        if tile.z < layer.minzoom || tile.z > layer.maxzoom || layer.feature_count == 0 {
            return Ok(Arc::new(CachedTile::new(Vec::new())));
        }
        let key =
            TileKey { sources: Arc::from(format!("{}@{}", layer.id, layer.revision)), z: tile.z, x: tile.x, y: tile.y };
        let store = self.store.clone();
        let id = layer.id.clone();
        let stored = layer.prerendered_revision == Some(layer.revision)
            && layer.prerendered_maxzoom.is_some_and(|m| tile.z <= m);
        let revision = layer.revision;
        self.cache
            .try_get_with(key, async move {
                if stored {
                    // Every non-empty tile of those zooms is in the store; absence means empty.
                    return Ok(Arc::new(match store.stored_tile(&id, revision, tile).await? {
                        Some(t) => CachedTile::with_gzip(t.mvt, t.gzip),
                        None => CachedTile::new(Vec::new()),
                    }));
                }
                Ok(Arc::new(CachedTile::new(store.render_tile(&id, tile).await?)))
            })
            .await
    }

    /// Several layers in one tile: one MVT layer per source, in the order given.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn composite_tile(
        &self,
        layers: &[Arc<Layer>],
        tile: TileCoord,
    ) -> Result<Arc<CachedTile>, Arc<StoreError>> {
        if let [one] = layers {
            return self.layer_tile(one, tile).await;
        }
        let sources: Vec<String> = layers.iter().map(|l| format!("{}@{}", l.id, l.revision)).collect();
        let key = TileKey { sources: Arc::from(sources.join(",")), z: tile.z, x: tile.x, y: tile.y };
        if let Some(hit) = self.cache.get(&key).await {
            return Ok(hit);
        }
        let parts = futures_util::future::try_join_all(layers.iter().map(|l| self.layer_tile(l, tile))).await?;
        // MVT layers are independent protobuf messages: concatenating tiles merges them.
        let bytes: Vec<u8> =
            parts.iter().flat_map(|p| p.body(crate::tiles::encoding::Encoding::Identity).to_vec()).collect();
        let merged = Arc::new(CachedTile::new(bytes));
        self.cache.insert(key, Arc::clone(&merged)).await;
        Ok(merged)
    }

    /// Forgets every cached tile of layer `id`.
    fn invalidate(&self, id: &str) {
        let id = id.to_owned();
        if let Err(e) = self.cache.invalidate_entries_if(move |k, _| k.involves(&id)) {
            tracing::warn!(error = %e, "cannot invalidate tiles; clearing the cache");
            self.cache.invalidate_all();
        }
    }

    /// Reads layer `id`'s catalog entry now, as its change notification soon will: the
    /// instance that made a change answers its client from the new revision (read your writes).
    ///
    /// # Errors
    /// When the catalog row cannot be read.
    pub async fn refresh_layer(&self, id: &str) -> Result<(), StoreError> {
        self.apply(Change::Layer { id: id.to_owned(), revision: 0 }).await
    }

    async fn apply(&self, change: Change) -> Result<(), StoreError> {
        match change {
            Change::Layer { id, revision } if revision < 0 => {
                self.catalog.remove(&id);
                self.invalidate(&id);
            }
            Change::Layer { id, .. } => {
                let Ok(layer_id) = LayerId::new(id.clone()) else { return Ok(()) };
                match self.store.layer(&layer_id).await? {
                    Some(layer) => {
                        self.queue_prerender(&layer);
                        let old = self.catalog.put(layer.clone());
                        if !old.as_ref().is_some_and(|o| same_tiles(o, &layer)) {
                            self.invalidate(&id);
                        }
                    }
                    None => {
                        self.catalog.remove(&id);
                        self.invalidate(&id);
                    }
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

    /// Reads the whole catalog again; the tiles of layers that changed meanwhile are
    /// forgotten, and the catalog is trusted again.
    async fn reload(&self) -> Result<(), StoreError> {
        let mut fresh = self.store.layers(&nexus_core::DraftScope::All).await?;
        fresh.push(self.store.projects_tile_source().await?);
        let before = self.catalog.all();
        for l in &before {
            if !fresh.iter().any(|f| f.id == l.id) {
                self.invalidate(l.id.as_str());
            }
        }
        for l in &fresh {
            let old = before.iter().find(|o| o.id == l.id);
            if !old.is_some_and(|o| same_tiles(o, l)) {
                self.invalidate(l.id.as_str());
            }
            self.queue_prerender(l);
        }
        self.catalog.replace_all(fresh);
        self.set_trusted(true);
        Ok(())
    }
}

/// Whether two states of a layer serve the same tiles to the same people.
fn same_tiles(a: &Layer, b: &Layer) -> bool {
    a.revision == b.revision && a.minzoom == b.minzoom && a.maxzoom == b.maxzoom && a.visibility == b.visibility
}

async fn follow_changes(tiles: std::sync::Weak<Tiles>, mut changes: mpsc::Receiver<Change>) {
    while let Some(change) = changes.recv().await {
        let Some(tiles) = tiles.upgrade() else { return };
        tracing::debug!(?change, "change notification");
        if let Err(e) = tiles.apply(change).await {
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

async fn prerender_worker(store: Store, mut queue: mpsc::UnboundedReceiver<LayerId>, limit: u8) {
    while let Some(id) = queue.recv().await {
        if let Err(e) = prerender::prerender(&store, &id, limit).await {
            tracing::warn!(layer.id = %id, error = %e, "pre-rendering failed; tiles are rendered on demand");
        }
    }
}
