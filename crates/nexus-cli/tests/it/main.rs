//! End-to-end tests of the `nexus` binary: real processes, real PostGIS, real sockets.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly on purpose")]

mod backup;
mod db_commands;
mod export;
mod export_site;
mod export_tiles;
mod ingest;
mod people;
mod serve;
mod sizes;
mod support;
mod tidy;
mod web_types;
