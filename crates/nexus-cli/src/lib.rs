//! The `nexus` command, in two binaries.
//!
//! `nexus` does not load GDAL: a process that links it maps about 110 shared libraries and
//! starts at about 43 MB resident before doing anything, which is more than a whole GeoJSON
//! export needs. So `nexus` runs the commands that need no GDAL itself (`db`, `export` to
//! GeoJSON) and hands every other one to `nexus-gdal`, built beside it, by `exec` (same
//! process id, arguments, environment and exit status). This library holds what both share:
//! the command line, configuration, the database connection and the GDAL-free commands.
//!
//! Only these binaries have `main`, configuration loading, the tracing subscriber and
//! `anyhow`. Every failure ends as one line on stderr, `error: …`, saying what to do.

pub mod alloc;
pub mod backup;
pub mod config;
pub mod database;
pub mod db;
pub mod export;
pub mod export_tiles;
pub mod ingest_args;
pub mod overlays;
pub mod people;
pub mod people_args;
pub mod prerender;
pub mod rules;
pub mod serve_args;
pub mod solutions;

use std::future::Future;
use std::process::ExitCode;

use clap::Parser;

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
pub fn start<F, Fut>(threads: Threads, run: F) -> ExitCode
where
    F: FnOnce(Cli, Settings, FileConfig) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    alloc::tune();
    let cli = Cli::parse();
    start_with(cli, threads, run)
}

/// [`start`] for a command line parsed already.
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

/// Whether the command needs GDAL (or the server, which links it), i.e. `nexus-gdal`.
pub fn needs_gdal(command: &Command) -> bool {
    match command {
        Command::Db { .. }
        | Command::Overlays { .. }
        | Command::User { .. }
        | Command::Token { .. }
        | Command::Audit(_)
        | Command::ExportTiles(_)
        | Command::Prerender { .. }
        | Command::Purge => false,
        // A bad format is reported by `nexus` itself.
        Command::Export(args) => export::format_of(args).is_ok_and(|f| f != nexus_core::ExportFormat::GeoJson),
        Command::Serve(_) | Command::Ingest(_) | Command::Load { .. } | Command::ExportSite(_) => true,
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("NEXUS_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn,tokio_postgres=warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
}
