//! `nexus`: the commands that need no GDAL run here; the others become `nexus-gdal` by `exec`
//! (see the library's documentation for why).

use std::os::unix::process::CommandExt;
use std::process::ExitCode;

use clap::Parser;
use nexus_cli::config::{Cli, Command};

fn main() -> ExitCode {
    nexus_cli::alloc::tune();
    let cli = Cli::parse();
    if nexus_cli::needs_gdal(&cli.command) {
        return exec_gdal();
    }
    nexus_cli::start_with(cli, nexus_cli::Threads::One, |cli, settings, _file| async move {
        match cli.command {
            Command::Db { action } => nexus_cli::db::run(&settings, action).await,
            Command::Export(args) => nexus_cli::export::run_geojson(&settings, args).await,
            Command::ExportTiles(args) => nexus_cli::export_tiles::run(&settings, args).await,
            Command::Overlays { full } => nexus_cli::overlays::run(&settings, full).await,
            Command::User { action } => nexus_cli::people::user(&settings, action).await,
            Command::Token { action } => nexus_cli::people::token(&settings, action).await,
            Command::Audit(args) => nexus_cli::people::audit(&settings, args).await,
            Command::Purge => nexus_cli::people::purge(&settings).await,
            Command::Prerender { layers, maxzoom } => nexus_cli::prerender::run(&settings, layers, maxzoom).await,
            _ => unreachable!("needs_gdal sends every other command to nexus-gdal"),
        }
    })
}

/// Replaces this process with `nexus-gdal` from the same folder, with the same arguments.
fn exec_gdal() -> ExitCode {
    let full = match std::env::current_exe() {
        Ok(exe) => exe.with_file_name("nexus-gdal"),
        Err(e) => {
            eprintln!("error: cannot find this program's own path ({e})");
            return ExitCode::FAILURE;
        }
    };
    let err = std::process::Command::new(&full).arg0("nexus").args(std::env::args_os().skip(1)).exec();
    eprintln!(
        "error: cannot start {} ({err}); it is built with nexus (`cargo build -p nexus-cli`) and must sit beside it",
        full.display()
    );
    ExitCode::FAILURE
}
