//! Nexus projects: what a city plans, in which sectors and dimensions, with what money.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::enums::{Dimension, LayerKind, ProjectStatus, Sector, Visibility};
use crate::ids::{CitySlug, ProjectSlug};

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
    /// A projects file that cannot be used.
    #[error("projects file: {0}")]
    File(String),
    /// A field of a project sent as one GeoJSON Feature (a form) that cannot be used; the
    /// field is named as the form names it ("Sector", "Start date").
    #[error("{field}: {message}")]
    Field {
        /// The field, in words.
        field: String,
        /// What is wrong with it.
        message: String,
    },
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
    /// What it builds, when it is a facility of a kind the Nexus rules know (a waste site, a
    /// biogas plant, green infrastructure …); every project is also a `project_footprint`.
    #[serde(default)]
    pub kind: Option<LayerKind>,
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
    /// True when its position is illustrative rather than surveyed.
    #[serde(default)]
    pub approximate: bool,
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
        if let Some(kind) = self.kind.filter(|k| !LayerKind::PROJECT_KINDS.contains(k)) {
            return Err(ProjectError::Field {
                field: "Kind".to_owned(),
                message: format!(
                    "a project is not a {kind}: leave the kind out for works of no particular kind, or name what it builds"
                ),
            });
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

/// A project as kept in a data file: its slug, its facts and its geometry (GeoJSON text).
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectRecord {
    /// Stable identifier.
    pub slug: ProjectSlug,
    /// Everything else.
    pub meta: ProjectMeta,
    /// The geometry as GeoJSON, when the project has a place.
    pub geometry: Option<String>,
}

/// A validated set of projects with distinct slugs.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectCollection(pub Vec<ProjectRecord>);

#[derive(Deserialize)]
struct Fc {
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    geometry: Option<serde_json::Value>,
    properties: Props,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Props {
    slug: ProjectSlug,
    city: CitySlug,
    title: String,
    title_local: Option<String>,
    description: Option<String>,
    description_local: Option<String>,
    sectors: Vec<Sector>,
    #[serde(default)]
    dimensions: Vec<Dimension>,
    kind: Option<LayerKind>,
    status: ProjectStatus,
    budget: Option<f64>,
    currency: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    #[serde(default)]
    partners: Vec<String>,
    source: Option<String>,
    #[serde(default)]
    approximate: bool,
    #[serde(default)]
    visibility: Visibility,
}

fn date(text: Option<String>, field: &str) -> Result<Option<Date>, ProjectError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    text.map(|t| {
        Date::parse(&t, format).map_err(|_| ProjectError::Field {
            field: field_label(field),
            message: format!("'{}' is not a date (YYYY-MM-DD)", t.escape_default()),
        })
    })
    .transpose()
}

/// A property's path (`sectors[0]`, `start_date`) as a form's label ("Sectors", "Start date").
fn field_label(path: &str) -> String {
    let name = path.split(['[', '.']).next().unwrap_or(path).replace('_', " ");
    let mut c = name.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_else(|| "The project".to_owned())
}

impl Props {
    fn into_record(self, geometry: Option<serde_json::Value>) -> Result<ProjectRecord, ProjectError> {
        let p = self;
        let budget = match (p.budget, p.currency) {
            (Some(amount), Some(currency)) => Some(Budget { amount, currency }),
            (None, None) => None,
            _ => return Err(ProjectError::Budget(p.title)),
        };
        let meta = ProjectMeta {
            city: p.city,
            title: p.title,
            title_local: p.title_local,
            description: p.description,
            description_local: p.description_local,
            sectors: p.sectors,
            dimensions: p.dimensions,
            kind: p.kind,
            status: p.status,
            budget,
            start_date: date(p.start_date, "start_date")?,
            end_date: date(p.end_date, "end_date")?,
            partners: p.partners,
            source: p.source,
            visibility: p.visibility,
            approximate: p.approximate,
        };
        meta.validate()?;
        let geometry = geometry.filter(|g| !g.is_null()).map(|g| g.to_string());
        Ok(ProjectRecord { slug: p.slug, meta, geometry })
    }
}

impl ProjectRecord {
    /// One project from the properties and geometry of a GeoJSON Feature sent by a form or
    /// a client; errors name the field in words and never speak of files, lines or columns.
    ///
    /// # Errors
    /// [`ProjectError::Field`] for a missing or malformed field; the rule broken otherwise.
    pub fn from_feature(
        properties: serde_json::Value,
        geometry: Option<serde_json::Value>,
    ) -> Result<Self, ProjectError> {
        let props: Props = serde_path_to_error::deserialize(properties).map_err(|e| {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            let quoted = |rest: &str| rest.split('`').nth(1).unwrap_or(rest).to_owned();
            if let Some(rest) = message.strip_prefix("missing field ") {
                ProjectError::Field { field: field_label(&quoted(rest)), message: "is required".to_owned() }
            } else if let Some(rest) = message.strip_prefix("unknown field ") {
                let message = format!("has no field '{}'", quoted(rest).escape_default());
                ProjectError::Field { field: "The project".to_owned(), message }
            } else if path == "." {
                ProjectError::Field { field: "The project".to_owned(), message }
            } else {
                ProjectError::Field { field: field_label(&path), message }
            }
        })?;
        props.into_record(geometry)
    }
}

impl ProjectCollection {
    /// Parses a projects GeoJSON file (`data/projects.geojson`) and validates every project.
    ///
    /// # Errors
    /// When the file's shape is wrong, a project breaks a rule, or a slug repeats.
    pub fn from_geojson(text: &str) -> Result<Self, ProjectError> {
        let fc: Fc = serde_json::from_str(text).map_err(|e| ProjectError::File(e.to_string()))?;
        let mut out: Vec<ProjectRecord> = Vec::with_capacity(fc.features.len());
        for f in fc.features {
            let slug = f.properties.slug.clone();
            if out.iter().any(|r| r.slug == slug) {
                return Err(ProjectError::File(format!("project '{slug}' appears twice")));
            }
            out.push(f.properties.into_record(f.geometry).map_err(|e| match e {
                ProjectError::Field { .. } => ProjectError::File(format!("project '{slug}': {e}")),
                e => e,
            })?);
        }
        Ok(ProjectCollection(out))
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
            kind: Some(LayerKind::GreenInfrastructure),
            status: ProjectStatus::UnderConstruction,
            budget: Some(Budget { amount: 1.0e6, currency: "THB".into() }),
            start_date: Some(date!(2017 - 03 - 17)),
            end_date: None,
            partners: vec!["GIZ".into()],
            source: None,
            visibility: Visibility::Public,
            approximate: false,
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
        for kind in [LayerKind::Boundary, LayerKind::ProjectFootprint] {
            let mut p = mae_kha();
            p.kind = Some(kind);
            assert!(p.validate().unwrap_err().to_string().starts_with("Kind: a project is not a"), "{kind}");
        }
    }

    #[test]
    fn project_files_parse_and_validate() {
        let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
            "geometry":{"type":"Point","coordinates":[98.99,18.79]},
            "properties":{"slug":"cm-canal","city":"chiang-mai","title":"Canal","sectors":["water"],
                          "status":"planned","start_date":"2017-03-17","budget":10,"currency":"THB"}}]}"#;
        let c = ProjectCollection::from_geojson(text).unwrap();
        assert_eq!(c.0[0].meta.start_date, Some(date!(2017 - 03 - 17)));
        assert_eq!(c.0[0].meta.visibility, Visibility::Draft, "drafts unless said otherwise");
        assert!(c.0[0].geometry.as_deref().unwrap().contains("Point"));
        let bad = text.replace("2017-03-17", "17/03/2017");
        assert!(ProjectCollection::from_geojson(&bad).unwrap_err().to_string().contains("is not a date"));
        let no_sector = text.replace(r#"["water"]"#, "[]");
        assert!(matches!(ProjectCollection::from_geojson(&no_sector), Err(ProjectError::NoSector(_))));
        let half_budget = text.replace(r#","currency":"THB""#, "");
        assert!(matches!(ProjectCollection::from_geojson(&half_budget), Err(ProjectError::Budget(_))));
    }

    #[test]
    fn a_form_feature_is_refused_in_the_form_words() {
        let props = serde_json::json!({"slug": "cm-x", "city": "chiang-mai", "title": "X", "sectors": ["water"], "status": "idea"});
        let ok = ProjectRecord::from_feature(props.clone(), None).unwrap();
        assert_eq!(ok.meta.title, "X");
        let say = |change: serde_json::Value| {
            let mut p = props.clone();
            for (k, v) in change.as_object().unwrap() {
                if v.is_null() {
                    p.as_object_mut().unwrap().remove(k);
                } else {
                    p[k] = v.clone();
                }
            }
            ProjectRecord::from_feature(p, None).unwrap_err().to_string()
        };
        let long = say(serde_json::json!({"slug": "cm-".repeat(20)}));
        assert!(long.starts_with("Slug: project slug"), "{long}");
        assert_eq!(say(serde_json::json!({"title": null})), "Title: is required");
        let sector = say(serde_json::json!({"sectors": ["water", "wat"]}));
        assert!(sector.starts_with("Sectors: unknown variant `wat`"), "{sector}");
        assert_eq!(say(serde_json::json!({"start_date": "17/03"})), "Start date: '17/03' is not a date (YYYY-MM-DD)");
        assert_eq!(say(serde_json::json!({"colour": "red"})), "The project: has no field 'colour'");
        for text in [long, sector] {
            assert!(!text.contains("line") && !text.contains("column") && !text.contains("file"), "{text}");
        }
    }
}
