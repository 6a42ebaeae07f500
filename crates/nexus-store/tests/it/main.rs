//! Integration tests of nexus-store against a real PostGIS (see `nexus_store::testing`).

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly on purpose")]

mod cities;
mod cluster;
mod migrations;
mod projects;
mod tls;
mod util;
mod vocabularies;
