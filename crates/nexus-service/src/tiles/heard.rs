//! What the change listener has heard and the tile service not yet applied: per layer, how
//! many changes wait; and how many times the listener was lost. Marked as a change is heard,
//! cleared as it is applied, so the catalog is never trusted for a layer about to change.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use nexus_store::Change;

#[derive(Debug, Default)]
pub(crate) struct Heard {
    waiting: Mutex<HashMap<String, usize>>,
    /// How many changes wait in all: every tile request asks, and nearly always none does,
    /// so the map is locked only when some change waits.
    total: AtomicUsize,
    losses: AtomicU64,
}

impl Heard {
    fn waiting(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        self.waiting.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A change just heard: its layer waits (a lost listener is counted).
    pub(crate) fn heard(&self, change: &Change) {
        match change {
            Change::Layer { id, .. } => {
                *self.waiting().entry(id.clone()).or_default() += 1;
                self.total.fetch_add(1, Ordering::SeqCst);
            }
            Change::Lost => {
                self.losses.fetch_add(1, Ordering::SeqCst);
            }
            _ => {}
        }
    }

    /// A change applied: its layer waits for one fewer.
    pub(crate) fn applied(&self, change: &Change) {
        if let Change::Layer { id, .. } = change {
            let mut waiting = self.waiting();
            if let Some(n) = waiting.get_mut(id) {
                *n -= 1;
                self.total.fetch_sub(1, Ordering::SeqCst);
                if *n == 0 {
                    waiting.remove(id);
                }
            }
        }
    }

    /// Whether a change of layer `id` waits.
    pub(crate) fn pending(&self, id: &str) -> bool {
        self.any_pending() && self.waiting().contains_key(id)
    }

    /// Whether any layer's change waits.
    pub(crate) fn any_pending(&self) -> bool {
        self.total.load(Ordering::SeqCst) > 0
    }

    /// How many times the listener was lost, so far.
    pub(crate) fn losses(&self) -> u64 {
        self.losses.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layer_waits_until_each_change_heard_is_applied() {
        let h = Heard::default();
        let change = Change::Layer { id: "canal".into(), revision: 3 };
        h.heard(&change);
        h.heard(&change);
        assert!(h.pending("canal") && h.any_pending() && !h.pending("roads"));
        h.applied(&change);
        assert!(h.pending("canal"), "one change still waits");
        h.applied(&change);
        assert!(!h.pending("canal") && !h.any_pending());
        h.heard(&Change::Lost);
        assert_eq!(h.losses(), 1);
    }
}
