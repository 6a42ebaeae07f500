//! `nexus`: every command of Nexus Atlas. GDAL and GEOS are opened only by the commands that
//! read or write a format needing them (see the library's documentation).

use std::process::ExitCode;

use clap::Parser;
use nexus_cli::config::{Cli, Command};

fn main() -> ExitCode {
    nexus_cli::alloc::tune();
    let cli = Cli::parse();
    let threads = nexus_cli::threads_for(&cli.command);
    nexus_cli::start_with(cli, threads, |cli, settings, file| async move {
        if matches!(cli.command, Command::Serve(_) | Command::Ingest(_) | Command::Load { .. }) {
            // Folders of killed uploads, downloads and ingests go before new ones are made.
            let swept = nexus_service::scratch::sweep();
            if swept.folders > 0 {
                tracing::info!(folders = swept.folders, bytes = swept.bytes, "removed stale temporary folders");
            }
        }
        match cli.command {
            Command::Serve(args) => nexus_cli::serve::run(&settings, &file, args).await,
            Command::Db { action } => nexus_cli::db::run(&settings, action).await,
            Command::Overlays { full } => nexus_cli::overlays::run(&settings, full).await,
            Command::User { action } => nexus_cli::people::user(&settings, action).await,
            Command::Token { action } => nexus_cli::people::token(&settings, action).await,
            Command::Audit(args) => nexus_cli::people::audit(&settings, args).await,
            Command::Purge => nexus_cli::people::purge(&settings).await,
            Command::Ingest(args) => nexus_cli::ingest::run(&settings, *args).await,
            Command::Export(args) => nexus_cli::export_gis::run(&settings, args).await,
            Command::ExportTiles(args) => nexus_cli::export_tiles::run(&settings, args).await,
            Command::ExportSite(args) => nexus_cli::export_site::run(&settings, &file, args).await,
            Command::Load { dir } => nexus_cli::load::run(&settings, dir).await,
            Command::Prerender { layers, maxzoom } => nexus_cli::prerender::run(&settings, layers, maxzoom).await,
        }
    })
}
