//! Integration tests of nexus-ingest: every format into a real PostGIS, a corpus of broken
//! and hostile inputs, and the all-or-nothing guarantees.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly on purpose")]

mod atomic;
mod broken;
mod export;
mod formats;
mod native;
mod util;
