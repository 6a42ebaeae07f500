//! The server's copy of the layer catalog, kept current by change notifications so that
//! serving a tile never asks the database what a layer is.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use nexus_core::Layer;

/// Layers by id.
#[derive(Debug, Default)]
pub struct Catalog {
    layers: RwLock<HashMap<String, Arc<Layer>>>,
}

impl Catalog {
    /// A catalog holding `layers`.
    pub fn new(layers: Vec<Layer>) -> Catalog {
        let c = Catalog::default();
        c.replace_all(layers);
        c
    }

    /// One layer.
    pub fn get(&self, id: &str) -> Option<Arc<Layer>> {
        self.layers.read().ok()?.get(id).cloned()
    }

    /// Every layer, by id.
    pub fn all(&self) -> Vec<Arc<Layer>> {
        let mut v: Vec<Arc<Layer>> = self.layers.read().map(|m| m.values().cloned().collect()).unwrap_or_default();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }

    /// Stores a layer; returns the entry it replaced.
    pub fn put(&self, layer: Layer) -> Option<Arc<Layer>> {
        self.layers.write().ok()?.insert(layer.id.to_string(), Arc::new(layer))
    }

    /// Forgets a layer.
    pub fn remove(&self, id: &str) -> Option<Arc<Layer>> {
        self.layers.write().ok()?.remove(id)
    }

    /// Replaces everything.
    pub fn replace_all(&self, layers: Vec<Layer>) {
        if let Ok(mut m) = self.layers.write() {
            *m = layers.into_iter().map(|l| (l.id.to_string(), Arc::new(l))).collect();
        }
    }
}
