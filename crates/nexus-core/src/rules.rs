//! Nexus interlinkage rules: which kinds of features, near which others, make a synergy, a
//! conflict or a constraint, at what distance, with what weight, why and on whose authority.
//! The rules are data (`data/nexus-rules.toml`, loaded into the database); this module says
//! what a valid rule is and which features it applies to.

use serde::{Deserialize, Serialize};

use crate::enums::{Effect, LayerKind, Sector};

/// Farthest a rule may reach: beyond this a "nearby" relation means nothing for siting.
pub const MAX_DISTANCE_M: f64 = 50_000.0;

/// A rule that breaks the rules for rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule '{rule}': {problem}")]
pub struct RuleError {
    /// The rule's id (or its position when it has none).
    pub rule: String,
    /// What is wrong, and what to do.
    pub problem: String,
}

/// Which features one end of a rule applies to: those whose kind is one of `kinds` (any kind
/// when empty) and that share a sector with `sectors` (any sector when empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    /// Layer kinds; projects are `project_footprint` and their own kind.
    #[serde(default)]
    #[ts(type = "LayerKind[]")]
    pub kinds: Vec<LayerKind>,
    /// Sectors.
    #[serde(default)]
    #[ts(type = "Sector[]")]
    pub sectors: Vec<Sector>,
}

impl Selector {
    /// Whether a feature of these kinds (a layer's one kind; a project's footprint kind and
    /// its own) and sectors is selected.
    pub fn matches(&self, kinds: &[LayerKind], sectors: &[Sector]) -> bool {
        (self.kinds.is_empty() || self.kinds.iter().any(|k| kinds.contains(k)))
            && (self.sectors.is_empty() || self.sectors.iter().any(|s| sectors.contains(s)))
    }

    /// The kinds a project counts as: every project is a footprint, and may be more.
    pub fn project_kinds(kind: Option<LayerKind>) -> Vec<LayerKind> {
        let mut kinds = vec![LayerKind::ProjectFootprint];
        kinds.extend(kind);
        kinds
    }
}

/// A national distance that replaces a rule's default in that country's cities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// ISO 3166-1 alpha-2 country code (`ID`, `PH`, `VN`, `TH`).
    pub country: String,
    /// The distance there, in metres.
    pub distance_m: f64,
}

/// One interlinkage rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable identifier (`landfill-surface-water`): lower-case words joined by `-`.
    pub id: String,
    /// A short name for people.
    pub title: String,
    /// The name in Thai, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub title_th: Option<String>,
    /// The features the rule starts from.
    pub from: Selector,
    /// The features they are checked against.
    pub to: Selector,
    /// Metres on the ground, boundary to boundary; 0 means the two must intersect.
    pub distance_m: f64,
    /// Synergy, conflict or constraint.
    #[ts(type = "Effect")]
    pub effect: Effect,
    /// 1 informative, 2 significant (needs mitigation), 3 legal exclusion or health and safety.
    pub weight: u8,
    /// Why, in one sentence.
    pub rationale: String,
    /// Why, in Thai, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub rationale_th: Option<String>,
    /// On whose authority.
    pub source: String,
    /// National distances.
    #[serde(default)]
    pub overrides: Vec<Override>,
}

impl Rule {
    /// The distance that applies in a city of `country`.
    pub fn distance_in(&self, country: Option<&str>) -> f64 {
        country
            .and_then(|c| self.overrides.iter().find(|o| o.country.eq_ignore_ascii_case(c)))
            .map_or(self.distance_m, |o| o.distance_m)
    }

    /// The farthest this rule reaches anywhere.
    pub fn max_distance(&self) -> f64 {
        self.overrides.iter().map(|o| o.distance_m).fold(self.distance_m, f64::max)
    }

    /// Checks one rule.
    ///
    /// # Errors
    /// The first problem found.
    pub fn validate(&self) -> Result<(), RuleError> {
        let bad = |problem: String| Err(RuleError { rule: self.id.clone(), problem });
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 48
            && self
                .id
                .split('-')
                .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        if !id_ok {
            return bad("the id must be lower-case words and digits joined by '-', at most 48 characters".into());
        }
        if self.title.trim().is_empty() || self.rationale.trim().is_empty() || self.source.trim().is_empty() {
            return bad(
                "title, rationale and source must all be given: a rule says what, why and on whose authority".into()
            );
        }
        let distance_ok = |d: f64| d.is_finite() && (0.0..=MAX_DISTANCE_M).contains(&d);
        if !distance_ok(self.distance_m) {
            return bad(format!("distance_m must be between 0 (intersects) and {MAX_DISTANCE_M} metres"));
        }
        if !(1..=3).contains(&self.weight) {
            return bad("weight must be 1 (informative), 2 (significant) or 3 (exclusion, health or safety)".into());
        }
        if self.from.kinds.is_empty() && self.from.sectors.is_empty()
            || self.to.kinds.is_empty() && self.to.sectors.is_empty()
        {
            return bad("`from` and `to` must each name kinds or sectors; a rule about everything says nothing".into());
        }
        for o in &self.overrides {
            if o.country.len() != 2 || !o.country.bytes().all(|b| b.is_ascii_uppercase()) {
                return bad(format!("override country '{}' is not an ISO 3166-1 code such as ID or PH", o.country));
            }
            if !distance_ok(o.distance_m) {
                return bad(format!("the override for {} must be between 0 and {MAX_DISTANCE_M} metres", o.country));
            }
        }
        Ok(())
    }
}

/// The Nexus settings besides the rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct GridSettings {
    /// Side of an intensity hexagon on the ground, in metres (corner to corner it is twice that).
    #[serde(default = "default_hex_size")]
    pub hex_size_m: f64,
}

fn default_hex_size() -> f64 {
    500.0
}

impl Default for GridSettings {
    fn default() -> Self {
        GridSettings { hex_size_m: default_hex_size() }
    }
}

/// A validated rule set, as `data/nexus-rules.toml` holds it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// The intensity grid.
    #[serde(default)]
    pub grid: GridSettings,
    /// The rules, in order.
    #[serde(default, rename = "rule")]
    pub rules: Vec<Rule>,
    /// What the `[Sn]` marks in the rules' `source` stand for.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[ts(as = "Option<std::collections::BTreeMap<String, RuleSource>>", optional)]
    pub sources: std::collections::BTreeMap<String, RuleSource>,
}

/// A document a rule rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct RuleSource {
    /// What it is, for people.
    pub title: String,
    /// Where to read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub url: Option<String>,
}

impl RuleSet {
    /// Checks every rule, that ids are distinct and the grid is sensible.
    ///
    /// # Errors
    /// The first problem found.
    pub fn validate(&self) -> Result<(), RuleError> {
        for (i, r) in self.rules.iter().enumerate() {
            r.validate()?;
            if self.rules[..i].iter().any(|o| o.id == r.id) {
                return Err(RuleError { rule: r.id.clone(), problem: "this id appears twice".into() });
            }
        }
        for (id, s) in &self.sources {
            let id_ok = id.len() >= 2 && id.starts_with('S') && id[1..].bytes().all(|b| b.is_ascii_digit());
            let url_ok = s.url.as_deref().is_none_or(|u| u.starts_with("https://") || u.starts_with("http://"));
            if !id_ok || s.title.trim().is_empty() || !url_ok {
                return Err(RuleError {
                    rule: format!("sources.{id}"),
                    problem: "a source is S and a number, with a title and an http(s) url".into(),
                });
            }
        }
        let h = self.grid.hex_size_m;
        if !(h.is_finite() && (50.0..=50_000.0).contains(&h)) {
            return Err(RuleError {
                rule: "grid".into(),
                problem: "hex_size_m must be between 50 and 50,000 metres".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn landfill_water() -> Rule {
        Rule {
            id: "landfill-surface-water".into(),
            title: "Landfill near surface water".into(),
            title_th: Some("หลุมฝังกลบขยะใกล้แหล่งน้ำผิวดิน".into()),
            from: Selector { kinds: vec![LayerKind::WasteSite], sectors: vec![] },
            to: Selector { kinds: vec![LayerKind::Waterway, LayerKind::WaterBody], sectors: vec![] },
            distance_m: 500.0,
            effect: Effect::Conflict,
            weight: 3,
            rationale: "Leachate reaches surface water.".into(),
            rationale_th: None,
            source: "SNI 03-3241-1994".into(),
            overrides: vec![Override { country: "PH".into(), distance_m: 300.0 }],
        }
    }

    #[test]
    fn selectors_match_by_kind_and_sector() {
        let r = landfill_water();
        assert!(r.from.matches(&[LayerKind::WasteSite], &[Sector::Waste]));
        assert!(!r.from.matches(&[LayerKind::TreatmentPlant], &[Sector::Water]));
        let water = Selector { kinds: vec![], sectors: vec![Sector::Water] };
        assert!(water.matches(&[LayerKind::Other], &[Sector::Water, Sector::Land]));
        assert!(!water.matches(&[LayerKind::Other], &[Sector::Energy]));
        let footprint = Selector { kinds: vec![LayerKind::ProjectFootprint], sectors: vec![] };
        assert!(footprint.matches(&Selector::project_kinds(Some(LayerKind::WasteSite)), &[Sector::Waste]));
        assert!(r.from.matches(&Selector::project_kinds(Some(LayerKind::WasteSite)), &[Sector::Waste]));
    }

    #[test]
    fn national_overrides_replace_the_default() {
        let r = landfill_water();
        assert_eq!(r.distance_in(Some("PH")), 300.0);
        assert_eq!(r.distance_in(Some("TH")), 500.0);
        assert_eq!(r.distance_in(None), 500.0);
        assert_eq!(r.max_distance(), 500.0);
    }

    #[test]
    fn broken_rules_say_what_is_wrong() {
        let mut r = landfill_water();
        r.weight = 4;
        assert!(r.validate().unwrap_err().to_string().contains("weight must be 1"));
        let mut r = landfill_water();
        r.distance_m = -1.0;
        assert!(r.validate().unwrap_err().problem.contains("distance_m"));
        let mut r = landfill_water();
        r.source = " ".into();
        assert!(r.validate().unwrap_err().problem.contains("on whose authority"));
        let mut r = landfill_water();
        r.id = "Landfill Water".into();
        assert!(r.validate().is_err());
        let mut r = landfill_water();
        r.to = Selector::default();
        assert!(r.validate().unwrap_err().problem.contains("says nothing"));
        let mut r = landfill_water();
        r.overrides[0].country = "Philippines".into();
        assert!(r.validate().unwrap_err().problem.contains("ISO 3166-1"));
        let set = RuleSet {
            grid: GridSettings::default(),
            rules: vec![landfill_water(), landfill_water()],
            sources: Default::default(),
        };
        assert!(set.validate().unwrap_err().problem.contains("twice"));
    }
}
