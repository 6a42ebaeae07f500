//! The closed vocabularies of the Urban Nexus: sectors, Nexus dimensions, layer kinds,
//! project status, visibility and geometry families.
//!
//! Each is written as a lower-case `snake_case` word on the wire, in the database
//! (checked by constraints) and in the CLI, so the same word means the same thing everywhere.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A word that is not one of a vocabulary's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{value}': expected one of {expected}")]
pub struct ParseEnumError {
    /// Which vocabulary was being parsed ("sector", "layer kind", …).
    pub what: &'static str,
    /// The rejected input.
    pub value: String,
    /// The accepted words, comma-separated.
    pub expected: String,
}

macro_rules! word_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $word:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $word)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire and database word for this value.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ParseEnumError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($word => Ok($name::$variant),)+
                    _ => Err(ParseEnumError {
                        what: $what,
                        value: s.to_owned(),
                        expected: [$($word),+].join(", "),
                    }),
                }
            }
        }
    };
}

word_enum! {
    /// The sectors the Urban Nexus plans together.
    Sector, "sector" {
        /// Water supply, sanitation, wastewater, drainage.
        Water => "water",
        /// Energy supply and efficiency.
        Energy => "energy",
        /// Food and agriculture, including urban farming.
        Food => "food",
        /// Solid waste and its reuse.
        Waste => "waste",
        /// Land use and cultural heritage.
        Land => "land",
    }
}

word_enum! {
    /// The five policy dimensions of the Urban Nexus approach.
    Dimension, "Nexus dimension" {
        /// Governance and institutions.
        Governance => "governance",
        /// Inclusive, participatory decision-making.
        InclusiveDecisionMaking => "inclusive_decision_making",
        /// Urban and spatial planning.
        UrbanPlanning => "urban_planning",
        /// Finance and business models.
        FinanceBusiness => "finance_business",
        /// Science, technology and innovation.
        ScienceTechnologyInnovation => "science_technology_innovation",
    }
}

word_enum! {
    /// What a layer's features are; interlinkage rules match on it.
    LayerKind, "layer kind" {
        /// Rivers, canals, streams and drains (lines).
        Waterway => "waterway",
        /// Lakes, reservoirs, ponds (areas).
        WaterBody => "water_body",
        /// Wastewater or water treatment plants.
        TreatmentPlant => "treatment_plant",
        /// Landfills, dumps, transfer stations, composting sites.
        WasteSite => "waste_site",
        /// Protected cultural heritage areas.
        HeritageZone => "heritage_zone",
        /// The footprints of Nexus projects.
        ProjectFootprint => "project_footprint",
        /// Power plants, biogas digesters, solar farms, energy users of note.
        EnergyFacility => "energy_facility",
        /// Farmland and urban agriculture.
        Farmland => "farmland",
        /// Settlements and neighbourhoods, formal or informal.
        Settlement => "settlement",
        /// Administrative boundaries.
        Boundary => "boundary",
        /// Land masses: the ground a base map is drawn on.
        Land => "land",
        /// Roads and paths.
        Road => "road",
        /// Land use or land cover.
        LandUse => "land_use",
        /// Points of interest that fit no other kind.
        Place => "place",
        /// Drinking-water intakes and public wells.
        WaterIntake => "water_intake",
        /// Wastewater outfalls and discharge points.
        Outfall => "outfall",
        /// Airports and runways.
        Airport => "airport",
        /// Floodplains and flood-prone zones.
        FloodZone => "flood_zone",
        /// Biogas and anaerobic-digestion plants.
        BiogasPlant => "biogas_plant",
        /// Solar farms and other ground-mounted energy projects.
        SolarFarm => "solar_farm",
        /// Parks, wetlands, retention ponds, riparian planting.
        GreenInfrastructure => "green_infrastructure",
        /// Anything else.
        Other => "other",
    }
}

impl LayerKind {
    /// What a project may say it builds: every kind but a boundary (not something one
    /// builds) and the footprint every project is anyway.
    pub const PROJECT_KINDS: &'static [LayerKind] = &[
        LayerKind::Waterway,
        LayerKind::WaterBody,
        LayerKind::TreatmentPlant,
        LayerKind::WasteSite,
        LayerKind::HeritageZone,
        LayerKind::EnergyFacility,
        LayerKind::Farmland,
        LayerKind::Settlement,
        LayerKind::Road,
        LayerKind::LandUse,
        LayerKind::Place,
        LayerKind::WaterIntake,
        LayerKind::Outfall,
        LayerKind::Airport,
        LayerKind::FloodZone,
        LayerKind::BiogasPlant,
        LayerKind::SolarFarm,
        LayerKind::GreenInfrastructure,
        LayerKind::Other,
    ];
}

word_enum! {
    /// Where a project is in its life.
    ProjectStatus, "project status" {
        /// An idea, not yet planned.
        Idea => "idea",
        /// Planned and (at least partly) funded.
        Planned => "planned",
        /// Being built.
        UnderConstruction => "under_construction",
        /// Done.
        Completed => "completed",
    }
}

word_enum! {
    /// What a Nexus interlinkage means for planning.
    Effect, "effect" {
        /// The two gain from being close (biogas beside a treatment plant).
        Synergy => "synergy",
        /// The two should not be close (a landfill beside a canal).
        Conflict => "conflict",
        /// The one needs approval because of the other (works in a heritage zone).
        Constraint => "constraint",
    }
}

word_enum! {
    /// Who may see a layer or project.
    Visibility, "visibility" {
        /// Everyone, without logging in.
        Public => "public",
        /// Only planners holding the token.
        Draft => "draft",
    }
}

word_enum! {
    /// The geometry family of a layer; one layer holds one family.
    GeometryFamily, "geometry family" {
        /// Points and multi-points.
        Point => "point",
        /// Lines and multi-lines.
        Line => "line",
        /// Polygons and multi-polygons.
        Polygon => "polygon",
    }
}

impl Sector {
    /// The English label a person reads.
    pub const fn label(self) -> &'static str {
        match self {
            Sector::Water => "Water",
            Sector::Energy => "Energy",
            Sector::Food => "Food",
            Sector::Waste => "Waste",
            Sector::Land => "Land & heritage",
        }
    }
}

impl Default for Visibility {
    /// New things are drafts until someone publishes them.
    fn default() -> Self {
        Visibility::Draft
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_through_display_from_str_and_serde() {
        for s in Sector::ALL {
            assert_eq!(s.as_str().parse::<Sector>().unwrap(), *s);
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(json, format!("\"{s}\""));
            assert_eq!(serde_json::from_str::<Sector>(&json).unwrap(), *s);
        }
        for d in Dimension::ALL {
            assert_eq!(d.to_string().parse::<Dimension>().unwrap(), *d);
        }
        for k in LayerKind::ALL {
            assert_eq!(k.to_string().parse::<LayerKind>().unwrap(), *k);
        }
    }

    #[test]
    fn unknown_word_names_the_vocabulary_and_the_choices() {
        let err = "biogas".parse::<Sector>().unwrap_err();
        assert_eq!(err.to_string(), "unknown sector 'biogas': expected one of water, energy, food, waste, land");
        assert!("Water".parse::<Sector>().is_err(), "words are case-sensitive");
    }

    #[test]
    fn there_are_five_dimensions_and_five_sectors() {
        assert_eq!(Dimension::ALL.len(), 5);
        assert_eq!(Sector::ALL.len(), 5);
        assert_eq!(Visibility::default(), Visibility::Draft);
    }
}
