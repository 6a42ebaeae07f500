//! `nexus load [DIR]`: put what `data/` holds into the database.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use nexus_core::CityCollection;

use crate::config::Settings;
use crate::database;

pub async fn run(settings: &Settings, dir: Option<PathBuf>) -> anyhow::Result<()> {
    let dir = dir.unwrap_or_else(|| PathBuf::from("data"));
    let path = dir.join("cities.geojson");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let cities = CityCollection::from_geojson(&text).with_context(|| format!("{} is not usable", path.display()))?.0;
    let store = database::open(settings).await?;
    let changed = store.upsert_cities(&cities).await?;
    writeln!(std::io::stdout(), "loaded {} cities from {} ({changed} new or changed)", cities.len(), path.display())?;
    Ok(())
}
