//! The flags of `nexus ingest`.
#![allow(missing_docs, reason = "doc comments here are the --help text clap prints")]

use std::path::PathBuf;

use clap::Args;

/// `nexus ingest`'s flags. The settings among them are given as text and read by the same
/// parser as an upload's form and a sidecar (`nexus_service::gis::settings`).
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The file (a .zip for zipped shapefiles; .gz for gzipped GeoJSON)
    pub path: PathBuf,
    /// Layer id: lower-case letters, digits, '_' and '-' [default: from the sidecar file]
    #[arg(long)]
    pub layer: Option<nexus_core::LayerId>,
    /// Layer title
    #[arg(long)]
    pub title: Option<String>,
    /// Longer description
    #[arg(long)]
    pub description: Option<String>,
    /// What the features are (waterway, treatment_plant, waste_site, heritage_zone, …)
    #[arg(long)]
    pub kind: Option<String>,
    /// Sector(s): water, energy, food, waste, land (repeat or separate with commas)
    #[arg(long = "sector", value_delimiter = ',')]
    pub sectors: Vec<String>,
    /// City slug (chiang-mai, tanjungpinang, …)
    #[arg(long)]
    pub city: Option<String>,
    /// Where the data comes from
    #[arg(long)]
    pub source: Option<String>,
    /// Licence of the data
    #[arg(long)]
    pub licence: Option<String>,
    /// Attribution shown on the map
    #[arg(long)]
    pub attribution: Option<String>,
    /// The fields a click on a feature shows on the map, in order (comma-separated)
    #[arg(long, value_delimiter = ',')]
    pub popup_fields: Vec<String>,
    /// Mark positions as approximate (illustrative, not surveyed)
    #[arg(long)]
    pub approximate: bool,
    /// Part of the base map: drawn beneath everything at low zooms, never a Nexus input
    #[arg(long)]
    pub basemap: bool,
    /// public or draft
    #[arg(long)]
    pub visibility: Option<String>,
    /// replace (swap all features; creates the layer) or append
    #[arg(long, default_value = "replace")]
    pub mode: String,
    /// Coordinate system of the data when the file has none (EPSG:32647, …)
    #[arg(long)]
    pub source_crs: Option<String>,
    /// Layer inside a multi-layer file [default: every layer, as LAYER-NAME]
    #[arg(long)]
    pub source_layer: Option<String>,
    /// Attribute encoding of a shapefile without .cpg (CP874, TIS-620, UTF-8, …)
    #[arg(long)]
    pub encoding: Option<String>,
    /// Leave out features without geometry (listed in the report) instead of refusing
    #[arg(long)]
    pub drop_empty: bool,
    /// Validate and print the report without writing anything
    #[arg(long)]
    pub dry_run: bool,
    /// Print the report as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

impl IngestArgs {
    /// The settings given, as (key, text) in the shared vocabulary. `source_layer` is left
    /// out when `with_source_layer` is false (a sidecar listing layers chooses them).
    pub fn settings(&self, with_source_layer: bool) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = [
            ("title", &self.title),
            ("description", &self.description),
            ("kind", &self.kind),
            ("city", &self.city),
            ("source", &self.source),
            ("licence", &self.licence),
            ("attribution", &self.attribution),
            ("visibility", &self.visibility),
            ("source_crs", &self.source_crs),
            ("encoding", &self.encoding),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
        .collect();
        if with_source_layer {
            out.extend(self.source_layer.clone().map(|v| ("source_layer", v)));
        }
        for (key, list) in [("sectors", &self.sectors), ("popup_fields", &self.popup_fields)] {
            if !list.is_empty() {
                out.push((key, list.join(",")));
            }
        }
        let flags = [
            ("approximate", self.approximate),
            ("basemap", self.basemap),
            ("drop_empty", self.drop_empty),
            ("dry_run", self.dry_run),
        ];
        for (key, on) in flags {
            if on {
                out.push((key, "true".into()));
            }
        }
        out.push(("mode", self.mode.clone()));
        out
    }
}
