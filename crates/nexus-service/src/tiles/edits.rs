//! Which drawing of a tile is current after feature edits. Each layer's log holds the
//! revision of its last change as a whole (`base`) and the places of the feature edits since;
//! a tile's version is the newest edit that touched it, or the base. Caches key tiles by that
//! version, so an edit retires exactly the tiles it touches, in every instance, and a
//! pre-rendered row is current while its revision is at least the tile's version.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use nexus_core::TileCoord;
use nexus_store::{EditPlace, BUFFER, EXTENT};

/// What a tile draws beyond its edge, as a fraction of its side: an edit this close to a
/// tile changes it. One grid unit more than the MVT buffer: geometry is snapped to the grid
/// before it is clipped, so a vertex half a unit beyond the buffer still shows.
pub const MARGIN: f64 = (BUFFER + 1) as f64 / EXTENT as f64;

/// Most edit places a log keeps; beyond them the log starts over from the newest revision
/// (every tile redrawn once), so that finding a tile's version stays a short scan.
pub const MAX_PLACES: usize = 4096;

/// One layer's feature edits since its last change as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct EditLog {
    /// Tiles drawn at or after this revision are current where no later edit touched them.
    pub base: i64,
    /// The newest revision the log knows.
    pub upto: i64,
    /// Where each edit since `base` was and is, oldest first.
    pub places: Vec<EditPlace>,
}

impl EditLog {
    /// A log from `base` to `upto` with these places; started over at `upto` when they are
    /// too many.
    pub fn new(base: i64, upto: i64, places: Vec<EditPlace>) -> EditLog {
        if places.len() > MAX_PLACES {
            return EditLog { base: upto, upto, places: Vec::new() };
        }
        EditLog { base, upto, places }
    }

    /// This log followed by the edits up to `upto` at `added`.
    pub fn extended(&self, upto: i64, added: Vec<EditPlace>) -> EditLog {
        let mut places = self.places.clone();
        places.extend(added);
        EditLog::new(self.base, upto, places)
    }

    /// The revision of the newest drawing of `tile`: the last edit that touched it, or the
    /// base.
    pub fn version(&self, tile: TileCoord) -> i64 {
        self.places.iter().rev().find(|(_, b)| tile.touches(*b, MARGIN)).map_or(self.base, |(rev, _)| *rev)
    }
}

/// The logs of every layer.
#[derive(Debug, Default)]
pub struct EditLogs {
    logs: RwLock<HashMap<String, Arc<EditLog>>>,
}

impl EditLogs {
    /// Layer `id`'s log.
    pub fn get(&self, id: &str) -> Option<Arc<EditLog>> {
        self.logs.read().ok()?.get(id).cloned()
    }

    /// Sets layer `id`'s log, and returns it.
    pub fn put(&self, id: &str, log: EditLog) -> Arc<EditLog> {
        let log = Arc::new(log);
        if let Ok(mut logs) = self.logs.write() {
            logs.insert(id.to_owned(), Arc::clone(&log));
        }
        log
    }

    /// Forgets layer `id`.
    pub fn remove(&self, id: &str) {
        if let Ok(mut logs) = self.logs.write() {
            logs.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tile(z: u8, x: u32, y: u32) -> TileCoord {
        TileCoord::new(u32::from(z), u64::from(x), u64::from(y)).unwrap()
    }

    #[test]
    fn a_tile_is_as_new_as_the_last_edit_that_touched_it() {
        let cm = tile(12, 3174, 1830).bounds_3857();
        let here = [cm[0] + 10.0, cm[1] + 10.0, cm[0] + 20.0, cm[1] + 20.0];
        let log = EditLog::new(7, 9, vec![(8, here), (9, here)]);
        assert_eq!(log.version(tile(12, 3174, 1830)), 9);
        assert_eq!(log.version(tile(6, 3174 >> 6, 1830 >> 6)), 9, "its parents too");
        assert_eq!(log.version(tile(12, 3180, 1830)), 7, "a tile elsewhere keeps the base");
        let later = log.extended(10, vec![(10, [0.0, 0.0, 1.0, 1.0])]);
        assert_eq!(later.version(tile(12, 3174, 1830)), 9);
        assert_eq!(later.version(tile(1, 1, 0)), 10);
        assert_eq!(later.upto, 10);
    }

    #[test]
    fn too_many_edits_start_the_log_over() {
        let places = vec![(3, [0.0, 0.0, 1.0, 1.0]); MAX_PLACES + 1];
        let log = EditLog::new(1, 5, places);
        assert_eq!((log.base, log.places.len()), (5, 0));
        assert_eq!(log.version(tile(3, 0, 0)), 5);
    }
}
