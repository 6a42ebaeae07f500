//! The programme's showcased solutions: kinds of work the Urban Nexus cities showed (a
//! treatment plant rehabilitated, a canal brought back, a new solid-waste site, a health
//! centre made efficient). Where a source ties one to a city it is a project there, and the
//! solution names it; where none does, the solution stands alone with its source and no place,
//! rather than at an invented one. Read from `data/solutions.toml`.

use serde::{Deserialize, Serialize};

use crate::enums::Sector;
use crate::ids::ProjectSlug;

/// One showcased solution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Solution {
    /// Its identifier (`wwtp-rehabilitation`).
    pub slug: ProjectSlug,
    /// What the work is, in English.
    pub title: String,
    /// The same in Thai.
    #[serde(default)]
    pub title_local: Option<String>,
    /// What the sources say of it.
    pub description: String,
    /// The sectors it joins.
    pub sectors: Vec<Sector>,
    /// Where that is said.
    pub source: String,
    /// What the sources do not say (no city named, say).
    #[serde(default)]
    pub note: Option<String>,
    /// The projects that do this work in a city a source names.
    #[serde(default)]
    pub projects: Vec<ProjectSlug>,
}

/// `data/solutions.toml`: `[[solution]]` tables.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolutionSet {
    /// The solutions, in the order shown.
    #[serde(default)]
    pub solution: Vec<Solution>,
}

impl SolutionSet {
    /// Checks what the types cannot: text present, sectors named, slugs unique.
    ///
    /// # Errors
    /// A sentence naming the solution and what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for s in &self.solution {
            let name = s.slug.as_str();
            if !seen.insert(name) {
                return Err(format!("solution '{name}' is listed twice"));
            }
            if s.title.trim().is_empty() || s.description.trim().is_empty() || s.source.trim().is_empty() {
                return Err(format!("solution '{name}' needs a title, a description and a source"));
            }
            if s.sectors.is_empty() {
                return Err(format!("solution '{name}' names no sector"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_solution_without_a_source_or_twice_is_refused() {
        let one = |slug: &str, source: &str| Solution {
            slug: ProjectSlug::new(slug).unwrap(),
            title: "T".into(),
            title_local: None,
            description: "D".into(),
            sectors: vec![Sector::Water],
            source: source.into(),
            note: None,
            projects: vec![],
        };
        assert!(SolutionSet { solution: vec![one("a", "s")] }.validate().is_ok());
        let e = SolutionSet { solution: vec![one("a", " ")] }.validate().unwrap_err();
        assert!(e.contains("'a' needs a title, a description and a source"), "{e}");
        let e = SolutionSet { solution: vec![one("a", "s"), one("a", "s")] }.validate().unwrap_err();
        assert!(e.contains("listed twice"), "{e}");
    }
}
