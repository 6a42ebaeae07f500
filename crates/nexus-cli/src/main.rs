//! `nexus`: serve the atlas, manage its embedded PostGIS, load data.
//!
//! This is the only crate with `main`, configuration loading, the tracing subscriber and
//! `anyhow`. Every failure ends as one line on stderr, `error: …`, saying what to do.

mod alloc;
mod cmd;
mod config;
mod database;

use std::process::ExitCode;

use clap::Parser;

use crate::config::Cli;

fn main() -> ExitCode {
    alloc::tune();
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime ({e})");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cmd::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("NEXUS_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn,tokio_postgres=warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
}
