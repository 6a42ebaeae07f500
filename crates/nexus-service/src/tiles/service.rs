//! The tile service: which tile to serve, from the cache, the pre-rendered store or PostGIS,
//! and keeping all three current as layers change.

use std::sync::Arc;

use nexus_core::{Layer, LayerId, TileCoord};
use nexus_store::{Change, Store, StoreError};
use tokio::sync::mpsc;

use crate::tiles::cache::{new_cache, CachedTile, TileCache, TileKey};
use crate::tiles::catalog::Catalog;
use crate::tiles::edits::{EditLog, EditLogs};
use crate::tiles::encoding::Encoding;
use crate::tiles::prerender::{self, Job};

mod changes;

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
    /// Per layer, the feature edits since its last change as a whole (which tiles they retired).
    edits: EditLogs,
    /// Held while a layer's new state is taken, so that a state read earlier never replaces a
    /// newer one (a write's own refresh and the change listener race otherwise).
    taking: tokio::sync::Mutex<()>,
    prerender: Option<mpsc::UnboundedSender<Job>>,
    /// Whether the catalog is known to be current: changes are being heard and the last one
    /// was applied. While it is not, who may see a layer is asked of the database.
    trusted: std::sync::atomic::AtomicBool,
    /// Layers with a change heard and not yet applied (how many each), and how many times the
    /// listener was lost: marked the moment a change is heard, since applying the queue of
    /// changes may lag behind (a busy pool, a long pre-render), and a layer just made a draft
    /// must not be served from the catalog meanwhile.
    heard: super::heard::Heard,
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
            edits: EditLogs::default(),
            taking: tokio::sync::Mutex::new(()),
            prerender: settings.prerender_maxzoom.map(|_| tx),
            // Until the listener says it follows changes, one may have been missed.
            trusted: std::sync::atomic::AtomicBool::new(false),
            heard: super::heard::Heard::default(),
        });
        for l in tiles.catalog.all() {
            if l.id.as_str() != nexus_store::PROJECTS_TILES {
                tiles.start_log(&l).await?;
            }
        }
        if let Some(limit) = settings.prerender_maxzoom {
            tokio::spawn(prerender_worker(Arc::downgrade(&tiles), store.clone(), rx, limit));
            for l in tiles.catalog.all() {
                tiles.queue_prerender(&l);
                // Edits whose redraw a stopped instance did not finish.
                if let (Some(log), Some(stored)) = (tiles.edits.get(l.id.as_str()), l.prerendered_revision) {
                    if stored >= log.base && log.upto > stored {
                        let places = log.places.iter().filter(|p| p.0 > stored).map(|p| p.1).collect();
                        tiles.queue(Job::Redraw { layer: l.id.clone(), places });
                    }
                }
            }
        }
        let changes = store.listen();
        tokio::spawn(Tiles::follow_changes(Arc::downgrade(&tiles), changes));
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
        let settled = self.trusted() && !self.heard.pending(id.as_str());
        if settled {
            if let Some(l) = self.catalog.get(id.as_str()) {
                return Ok(Some(l));
            }
        }
        // The projects' tile source has no catalog row of its own: it is made from them.
        let projects = id.as_str() == nexus_store::PROJECTS_TILES;
        let fresh =
            if projects { Some(self.store.projects_tile_source().await?) } else { self.store.layer(id).await? };
        if let Some(l) = &fresh {
            if settled {
                // A layer created a moment ago.
                self.catalog.put(l.clone());
            } else if !projects
                && self
                    .catalog
                    .get(id.as_str())
                    .is_some_and(|o| o.created_at == l.created_at && o.revision < l.revision)
            {
                // Served newer than the catalog knows: taken now, so that a reload which read
                // the catalog before this change cannot set the instance back once trusted.
                // Only forward within one generation: an older row may not replace a layer
                // made again under its id.
                self.take(l.clone()).await?;
            }
        }
        Ok(fresh.map(Arc::new))
    }

    /// Every layer and the projects' tile source, as [`Tiles::layer`] sees them.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn layers(&self) -> Result<Vec<Arc<Layer>>, StoreError> {
        if self.trusted() && !self.heard.any_pending() {
            return Ok(self.catalog.all());
        }
        let mut all: Vec<Arc<Layer>> =
            self.store.layers(&nexus_core::DraftScope::All).await?.into_iter().map(Arc::new).collect();
        all.push(Arc::new(self.store.projects_tile_source().await?));
        // In the catalog's order, whichever way they were read.
        all.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
        Ok(all)
    }

    /// Layer `layer`'s edit log read afresh: its base and the places of the edits since.
    async fn start_log(&self, layer: &Layer) -> Result<Arc<EditLog>, StoreError> {
        let places = if layer.revision > layer.edit_base {
            self.store.edit_places(&layer.id, layer.edit_base, layer.revision).await?
        } else {
            Vec::new()
        };
        let log = EditLog::new(layer.edit_base, layer.revision, places);
        Ok(self.edits.put(layer.id.as_str(), log))
    }

    fn queue(&self, job: Job) {
        if let Some(tx) = &self.prerender {
            let _ = tx.send(job);
        }
    }

    /// Queues a pre-render of the layer's whole store when it does not hold the layer's
    /// current drawing: none yet, an older generation, or an edit log started over.
    fn queue_prerender(&self, layer: &Layer) {
        // The projects change one by one and are few: they are always rendered on demand.
        if layer.id.as_str() == nexus_store::PROJECTS_TILES || layer.feature_count == 0 {
            return;
        }
        let base = self.edits.get(layer.id.as_str()).map_or(layer.edit_base, |l| l.base);
        if layer.prerendered_revision.is_none_or(|p| p < base) {
            self.queue(Job::Whole { layer: layer.id.clone(), force: base > layer.edit_base });
        }
    }

    /// The edit log that describes `layer` as given: none for the projects (they change as a
    /// whole) or when the layer was read past what the log knows (a notification not applied
    /// yet, or a catalog not trusted): then every tile is as new as the layer.
    fn log_for(&self, layer: &Layer) -> Option<Arc<EditLog>> {
        if layer.id.as_str() == nexus_store::PROJECTS_TILES {
            return None;
        }
        self.edits.get(layer.id.as_str()).filter(|l| l.upto >= layer.revision && l.base >= layer.edit_base)
    }

    /// The revision of the newest drawing of `tile` of `layer`.
    fn version(&self, layer: &Layer, tile: TileCoord) -> i64 {
        self.log_for(layer).map_or(layer.revision, |l| l.version(tile))
    }

    /// One layer's tile: from the cache, else the pre-rendered store, else PostGIS.
    ///
    /// # Errors
    /// When the database fails (shared by every request that waited on the same miss).
    pub async fn layer_tile(&self, layer: &Layer, tile: TileCoord) -> Result<Arc<CachedTile>, Arc<StoreError>> {
        if tile.z < layer.minzoom || tile.z > layer.maxzoom || layer.feature_count == 0 {
            return Ok(Arc::new(CachedTile::new(Vec::new())));
        }
        let log = self.log_for(layer);
        let version = log.as_ref().map_or(layer.revision, |l| l.version(tile));
        let base = log.map_or(layer.revision, |l| l.base);
        let key = TileKey { sources: Arc::from(format!("{}@{version}", layer.id)), z: tile.z, x: tile.x, y: tile.y };
        let store = self.store.clone();
        let id = layer.id.clone();
        // The pre-rendered zooms, when the store holds this generation of the layer.
        let prerendered = layer.prerendered_maxzoom.is_some_and(|m| tile.z <= m);
        let stored = layer.prerendered_revision.filter(|p| *p >= base && prerendered);
        self.cache
            .try_get_with(key, async move {
                if let Some(full) = stored {
                    // Every non-empty tile of those zooms is in the store as of the full
                    // pre-render (absence means empty then); a row says which revision it draws.
                    match store.stored_tile(&id, tile).await? {
                        Some((rev, t)) if rev >= version && t.mvt.is_empty() => {
                            return Ok(Arc::new(CachedTile::new(Vec::new())))
                        }
                        Some((rev, t)) if rev >= version => return Ok(Arc::new(CachedTile::with_gzip(t.mvt, t.gzip))),
                        None if full >= version => return Ok(Arc::new(CachedTile::new(Vec::new()))),
                        _ => {}
                    }
                }
                let mvt = if prerendered {
                    // Drawn as the pre-render draws it: at these zooms, from simplified geometry.
                    store.render_simplified_tile(&id, tile, prerender::TOLERANCE).await?
                } else {
                    store.render_tile(&id, tile).await?
                };
                Ok(Arc::new(CachedTile::new(mvt)))
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
        let sources: Vec<String> = layers.iter().map(|l| format!("{}@{}", l.id, self.version(l, tile))).collect();
        let key = TileKey { sources: Arc::from(sources.join(",")), z: tile.z, x: tile.x, y: tile.y };
        if let Some(hit) = self.cache.get(&key).await {
            return Ok(hit);
        }
        let parts = futures_util::future::try_join_all(layers.iter().map(|l| self.layer_tile(l, tile))).await?;
        // MVT layers are independent protobuf messages: concatenating tiles merges them.
        let bytes: Vec<u8> = parts.iter().flat_map(|p| p.body(Encoding::Identity).to_vec()).collect();
        let merged = Arc::new(CachedTile::new(bytes));
        self.cache.insert(key, Arc::clone(&merged)).await;
        Ok(merged)
    }

    /// Forgets every cached tile of layer `id`.
    fn invalidate(&self, id: &str) {
        self.invalidate_where(id, Vec::new());
    }

    /// Forgets the cached tiles of layer `id` that `places` touch (all of them when none are
    /// given). Their keys are retired anyway (a new version); this frees their memory now.
    fn invalidate_where(&self, id: &str, places: Vec<[f64; 4]>) {
        let id = id.to_owned();
        let touched = move |k: &TileKey| {
            let Ok(t) = TileCoord::new(u32::from(k.z), u64::from(k.x), u64::from(k.y)) else { return true };
            places.is_empty() || places.iter().any(|p| t.touches(*p, crate::tiles::edits::MARGIN))
        };
        if let Err(e) = self.cache.invalidate_entries_if(move |k, _| k.involves(&id) && touched(k)) {
            tracing::warn!(error = %e, "cannot invalidate tiles; clearing the cache");
            self.cache.invalidate_all();
        }
    }

    /// Redraws the stored tiles that `places` touch, through the cache (a request waiting for
    /// the same tile shares its render), and replaces their rows with the drawing as of the
    /// edit log's newest revision.
    async fn redraw(&self, id: &LayerId, places: &[[f64; 4]]) -> Result<u64, StoreError> {
        let Some(layer) = self.layer(id).await? else { return Ok(0) };
        let Some(log) = self.edits.get(id.as_str()) else { return Ok(0) };
        let (Some(_), Some(maxzoom)) = (layer.prerendered_revision, layer.prerendered_maxzoom) else { return Ok(0) };
        let Some(wanted) = prerender::touched(places, layer.minzoom, maxzoom) else {
            self.queue(Job::Whole { layer: id.clone(), force: true });
            return Ok(0);
        };
        let mut drawn = Vec::with_capacity(wanted.len());
        for tile in wanted {
            let t = self.layer_tile(&layer, tile).await.map_err(|e| StoreError::Pool(e.to_string()))?;
            let gz = if t.is_empty() { Vec::new() } else { t.body(Encoding::Gzip).to_vec() };
            // Drawn as of the tile's version, which no edit up to the log's newest touched.
            drawn.push((tile, t.body(Encoding::Identity).to_vec(), gz));
        }
        self.store.store_redrawn_tiles(id, log.upto, &drawn).await
    }

    /// Reads layer `id`'s catalog entry now, as its change notification soon will: the
    /// instance that made a change answers its client from the new revision (read your writes).
    ///
    /// # Errors
    /// When the catalog row cannot be read.
    pub async fn refresh_layer(&self, id: &str) -> Result<(), StoreError> {
        self.apply(Change::Layer { id: id.to_owned(), revision: 0 }).await
    }
}

/// Runs the pre-render jobs one at a time; the redraws of one layer waiting together are done
/// as one.
async fn prerender_worker(
    tiles: std::sync::Weak<Tiles>,
    store: Store,
    mut queue: mpsc::UnboundedReceiver<Job>,
    limit: u8,
) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while let Ok(more) = queue.try_recv() {
            batch.push(more);
        }
        for job in prerender::merge_redraws(batch) {
            let (id, done) = match job {
                Job::Whole { layer, force } => {
                    let done = prerender::prerender_with(&store, &layer, limit, force).await;
                    (layer, done.map(|_| ()))
                }
                Job::Redraw { layer, places } => {
                    let Some(tiles) = tiles.upgrade() else { return };
                    let done = tiles.redraw(&layer, &places).await;
                    (layer, done.map(|_| ()))
                }
            };
            if let Err(e) = done {
                tracing::warn!(layer.id = %id, error = %e, "pre-rendering failed; tiles are rendered on demand");
            }
        }
    }
}
