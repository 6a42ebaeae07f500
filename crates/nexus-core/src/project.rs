//! Nexus projects: what a city plans, in which sectors and dimensions, with what money.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::enums::{Dimension, ProjectStatus, Sector, Visibility};
use crate::ids::CitySlug;

/// A project record that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectError {
    /// No sector given: every Nexus project touches at least one.
    #[error("project '{0}' has no sector: give at least one of water, energy, food, waste, land")]
    NoSector(String),
    /// End date before start date.
    #[error("project '{title}' ends ({end}) before it starts ({start})")]
    Dates {
        /// Project title.
        title: String,
        /// Start date.
        start: Date,
        /// End date.
        end: Date,
    },
    /// Negative budget or a currency that is not three capital letters.
    #[error("project '{0}' has an invalid budget: an amount of at least 0 and an ISO 4217 currency such as THB")]
    Budget(String),
    /// Empty title.
    #[error("a project needs a title")]
    NoTitle,
}

/// An amount of money in a currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    /// The amount, in the currency's units.
    pub amount: f64,
    /// ISO 4217 code (`THB`, `IDR`, `EUR`).
    pub currency: String,
}

/// Everything about a project except its geometry and storage bookkeeping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectMeta {
    /// The city it belongs to.
    pub city: CitySlug,
    /// English title.
    pub title: String,
    /// Title in the local language.
    pub title_local: Option<String>,
    /// English description.
    pub description: Option<String>,
    /// Description in the local language.
    pub description_local: Option<String>,
    /// Sectors it touches (at least one).
    pub sectors: Vec<Sector>,
    /// Nexus dimensions it works on.
    pub dimensions: Vec<Dimension>,
    /// Where it is in its life.
    pub status: ProjectStatus,
    /// Money, when known.
    pub budget: Option<Budget>,
    /// Start date.
    pub start_date: Option<Date>,
    /// End date.
    pub end_date: Option<Date>,
    /// Partner organisations.
    pub partners: Vec<String>,
    /// Where the facts come from.
    pub source: Option<String>,
    /// Who may see it.
    pub visibility: Visibility,
}

impl ProjectMeta {
    /// Checks the rules a stored project must meet.
    ///
    /// # Errors
    /// The first rule broken.
    pub fn validate(&self) -> Result<(), ProjectError> {
        if self.title.trim().is_empty() {
            return Err(ProjectError::NoTitle);
        }
        if self.sectors.is_empty() {
            return Err(ProjectError::NoSector(self.title.clone()));
        }
        if let (Some(start), Some(end)) = (self.start_date, self.end_date) {
            if end < start {
                return Err(ProjectError::Dates { title: self.title.clone(), start, end });
            }
        }
        if let Some(b) = &self.budget {
            let code_ok = b.currency.len() == 3 && b.currency.bytes().all(|c| c.is_ascii_uppercase());
            if !(b.amount.is_finite() && b.amount >= 0.0 && code_ok) {
                return Err(ProjectError::Budget(self.title.clone()));
            }
        }
        Ok(())
    }

    /// A Nexus project is one that touches two sectors or more.
    pub fn is_cross_sector(&self) -> bool {
        let mut s = self.sectors.clone();
        s.sort();
        s.dedup();
        s.len() >= 2
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn mae_kha() -> ProjectMeta {
        ProjectMeta {
            city: CitySlug::new("chiang-mai").unwrap(),
            title: "Mae Kha canal rehabilitation".into(),
            title_local: Some("ฟื้นฟูคลองแม่ข่า".into()),
            description: None,
            description_local: None,
            sectors: vec![Sector::Water, Sector::Land],
            dimensions: vec![Dimension::Governance, Dimension::InclusiveDecisionMaking],
            status: ProjectStatus::UnderConstruction,
            budget: Some(Budget { amount: 1.0e6, currency: "THB".into() }),
            start_date: Some(date!(2017 - 03 - 17)),
            end_date: None,
            partners: vec!["GIZ".into()],
            source: None,
            visibility: Visibility::Public,
        }
    }

    #[test]
    fn a_good_project_validates_and_is_cross_sector() {
        let p = mae_kha();
        assert_eq!(p.validate(), Ok(()));
        assert!(p.is_cross_sector());
    }

    #[test]
    fn rules_are_enforced() {
        let mut p = mae_kha();
        p.sectors.clear();
        assert!(matches!(p.validate(), Err(ProjectError::NoSector(_))));
        let mut p = mae_kha();
        p.end_date = Some(date!(2016 - 01 - 01));
        assert!(matches!(p.validate(), Err(ProjectError::Dates { .. })));
        let mut p = mae_kha();
        p.budget = Some(Budget { amount: -1.0, currency: "THB".into() });
        assert!(matches!(p.validate(), Err(ProjectError::Budget(_))));
        let mut p = mae_kha();
        p.budget = Some(Budget { amount: 1.0, currency: "baht".into() });
        assert!(matches!(p.validate(), Err(ProjectError::Budget(_))));
        let mut p = mae_kha();
        p.sectors = vec![Sector::Water, Sector::Water];
        assert!(!p.is_cross_sector());
    }
}
