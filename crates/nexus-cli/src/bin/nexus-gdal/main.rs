//! `nexus-gdal`: every `nexus` command, GDAL included (`nexus` hands over the ones that need
//! it: serve, ingest, load, and exports to formats other than GeoJSON).

mod export;
mod export_site;
mod ingest;
mod load;
mod serve;

use std::process::ExitCode;

use nexus_cli::config::Command;

fn main() -> ExitCode {
    nexus_cli::start(nexus_cli::Threads::Many, |cli, settings, file| async move {
        if matches!(cli.command, Command::Serve(_) | Command::Ingest(_) | Command::Load { .. }) {
            // Folders of killed uploads, downloads and ingests go before new ones are made.
            let swept = nexus_service::scratch::sweep();
            if swept.folders > 0 {
                tracing::info!(folders = swept.folders, bytes = swept.bytes, "removed stale temporary folders");
            }
        }
        match cli.command {
            Command::Serve(args) => serve::run(&settings, &file, args).await,
            Command::Db { action } => nexus_cli::db::run(&settings, action).await,
            Command::Overlays { full } => nexus_cli::overlays::run(&settings, full).await,
            Command::User { action } => nexus_cli::people::user(&settings, action).await,
            Command::Token { action } => nexus_cli::people::token(&settings, action).await,
            Command::Audit(args) => nexus_cli::people::audit(&settings, args).await,
            Command::Purge => nexus_cli::people::purge(&settings).await,
            Command::Ingest(args) => ingest::run(&settings, *args).await,
            Command::Export(args) => export::run(&settings, args).await,
            Command::ExportTiles(args) => nexus_cli::export_tiles::run(&settings, args).await,
            Command::ExportSite(args) => export_site::run(&settings, &file, args).await,
            Command::Load { dir } => load::run(&settings, dir).await,
            Command::Prerender { layers, maxzoom } => nexus_cli::prerender::run(&settings, layers, maxzoom).await,
        }
    })
}
