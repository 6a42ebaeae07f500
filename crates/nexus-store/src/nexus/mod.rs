//! The Nexus in the database: the rules (as data), the overlays computed from them (links and
//! the intensity grid) and kept current incrementally, and the links computed live for a
//! sketch's what-if and a project's profile.

mod ends;
mod fill;
mod hex;
mod inputs;
mod live;
mod matches;
mod overlay;
mod refresh;
mod report;
mod rules;

pub use live::{Checked, Draft, EvaluatedLink, LiveLinks, Reach};
pub use overlay::{HEX, LINKS};
pub use refresh::NexusRefresh;
pub use report::{CitySummary, ProjectProfile, TouchedLayer};
