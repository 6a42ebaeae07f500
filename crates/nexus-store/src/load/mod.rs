//! Loading a layer's features: one transaction per ingest, binary `COPY`, and a partition
//! swap so that readers see the old layer or the new one, never a mix.
//!
//! Replace writes into a fresh, unattached table, indexes it once at the end (a sorted
//! GiST build is far cheaper than maintaining the index row by row), then keeps the old
//! partition in the layer's history and attaches the new one, all inside the transaction. Append writes into the live partition. Whatever
//! happens before `COMMIT` (an error, a dropped [`LayerLoad`], a killed process) the server
//! rolls back and the layer is exactly as it was.

mod copy;
mod finish;
mod types;

pub use copy::LayerLoad;
pub use types::{LoadGuard, LoadMode, LoadSummary, Provenance, Repair};
