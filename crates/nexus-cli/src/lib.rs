//! The `nexus` command: the command line, configuration, the database connection and one
//! module per command; `main.rs` only dispatches.
//!
//! GDAL and GEOS are not linked but opened when a command first reads or writes a format
//! that needs them (see `nexus-ingest`'s `lazy_lib`): a process that maps GDAL's hundred
//! libraries is about 31 MB heavier before doing anything, more than a whole GeoJSON export
//! or a native ingest needs.
//!
//! Only the binary has `main`, configuration loading, the tracing subscriber and `anyhow`.
//! Every failure ends as one line on stderr, `error: …`, saying what to do.

pub mod alloc;
pub mod backup;
pub mod config;
pub mod database;
pub mod db;
pub mod export;
pub mod export_gis;
pub mod export_site;
pub mod export_tiles;
pub mod ingest;
pub mod ingest_args;
pub mod load;
pub mod overlays;
pub mod people;
pub mod people_args;
pub mod prerender;
pub mod rules;
pub mod serve;
pub mod serve_args;
pub mod solutions;

use std::future::Future;
use std::process::ExitCode;

use crate::config::{Cli, Command, FileConfig, Settings};

/// How many threads the async runtime gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threads {
    /// One: a command that streams one thing (an export) needs no more, and its memory stays
    /// lower when every buffer is allocated and freed on the same thread.
    One,
    /// One per core: the server, and ingests that overlap reading with writing.
    Many,
}

/// Runs `run` with the parsed command line, its settings and configuration file; prints the
/// error, if any, as one line.
pub fn start_with<F, Fut>(cli: Cli, threads: Threads, run: F) -> ExitCode
where
    F: FnOnce(Cli, Settings, FileConfig) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    init_tracing();
    let runtime = match threads {
        Threads::One => tokio::runtime::Builder::new_current_thread().enable_all().build(),
        Threads::Many => tokio::runtime::Builder::new_multi_thread().enable_all().build(),
    };
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime ({e})");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        let file = FileConfig::load(cli.global.config.as_deref())?;
        let settings = Settings::resolve(&cli.global, &file);
        run(cli, settings, file).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// How many threads `command` runs on: the server and the commands that read or write
/// through GDAL overlap their work on every core; the rest stream one thing on one thread.
pub fn threads_for(command: &Command) -> Threads {
    match command {
        Command::Db { .. }
        | Command::Overlays { .. }
        | Command::User { .. }
        | Command::Token { .. }
        | Command::Audit(_)
        | Command::ExportTiles(_)
        | Command::Prerender { .. }
        | Command::Purge => Threads::One,
        Command::Export(args) => match export::format_of(args) {
            Ok(nexus_core::ExportFormat::GeoJson) | Err(_) => Threads::One,
            Ok(_) => Threads::Many,
        },
        Command::Serve(_) | Command::Ingest(_) | Command::Load { .. } | Command::ExportSite(_) => Threads::Many,
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("NEXUS_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn,tokio_postgres=warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
}
