//! One module per subcommand.

mod db;
mod export;
mod ingest;
mod load;
mod prerender;
mod serve;

use crate::config::{Cli, Command, FileConfig, Settings};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let file = FileConfig::load(cli.global.config.as_deref())?;
    let settings = Settings::resolve(&cli.global, &file);
    match cli.command {
        Command::Serve(args) => serve::run(&settings, &file, args).await,
        Command::Db { action } => db::run(&settings, action).await,
        Command::Ingest(args) => ingest::run(&settings, *args).await,
        Command::Export(args) => export::run(&settings, args).await,
        Command::Load { dir } => load::run(&settings, dir).await,
        Command::Prerender { layers, maxzoom } => prerender::run(&settings, layers, maxzoom).await,
    }
}
