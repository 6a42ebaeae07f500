//! The planning of a Nexus overlay refresh, apart from the SQL that carries it out: which
//! sources changed since the last refresh, where the intensity grid must be recounted, which
//! rule pairs of ends must be matched, and how to share the work among connections.

use std::collections::{BTreeMap, BTreeSet};

use crate::enums::{LayerKind, Sector};
use crate::rules::{Rule, Selector};

/// A box in web mercator: [xmin, ymin, xmax, ymax].
pub type Box3857 = [f64; 4];

/// The smallest box holding all of `boxes`.
pub fn union(boxes: &[Box3857]) -> Option<Box3857> {
    boxes.iter().copied().reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])])
}

/// `boxes` merged into groups: boxes closer than `gap` (in web-mercator metres, roughly)
/// end up in one box, the others stay apart. Recounting a group twice where two meet is
/// harmless: each recount writes whole cells.
pub fn clusters(boxes: &[Box3857], gap: f64) -> Vec<Box3857> {
    let mut out: Vec<Box3857> = Vec::new();
    for b in boxes {
        let mut merged = *b;
        // Whatever the new box touches joins it, until nothing more does.
        loop {
            let near = |o: &Box3857| {
                o[0] <= merged[2] + gap && merged[0] <= o[2] + gap && o[1] <= merged[3] + gap && merged[1] <= o[3] + gap
            };
            let (touching, apart): (Vec<Box3857>, Vec<Box3857>) = out.into_iter().partition(near);
            out = apart;
            if touching.is_empty() {
                break;
            }
            merged = union(&[&touching[..], &[merged]].concat()).unwrap_or(merged);
        }
        out.push(merged);
    }
    out
}

/// A source of the overlays (`layer:ID`, `project:SLUG`) as a refresh last recorded it, or
/// as it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceState {
    /// Its revision.
    pub revision: i64,
    /// Whether the public sees it (only public sources make links).
    pub public: bool,
    /// Its city.
    pub city: Option<String>,
    /// Where its features are.
    pub bbox: Option<Box3857>,
    /// The revision of its last change as a whole; every later one edited one feature (a
    /// layer's `edit_base`; a project's own revision).
    pub base: i64,
}

impl SourceState {
    /// Whether nothing the links depend on changed.
    pub fn same_state(&self, other: &SourceState) -> bool {
        self.revision == other.revision && self.public == other.public
    }

    /// Whether this state follows `recorded` by feature edits alone, so that only the edited
    /// features' links and cells need redoing: no change as a whole since, public then and
    /// now, in the same city.
    pub fn edited_since(&self, recorded: &SourceState) -> bool {
        self.revision > recorded.revision
            && self.base <= recorded.revision
            && self.public
            && recorded.public
            && self.city == recorded.city
    }
}

/// The sources whose links must be recomputed: every current one when `full`, otherwise
/// those that are new, changed or gone.
pub fn changed_sources(
    recorded: &BTreeMap<String, SourceState>,
    current: &BTreeMap<String, SourceState>,
    full: bool,
) -> BTreeSet<String> {
    if full {
        return current.keys().cloned().collect();
    }
    current
        .iter()
        .filter(|(k, v)| recorded.get(*k).is_none_or(|r| !r.same_state(v)))
        .map(|(k, _)| k.clone())
        .chain(recorded.keys().filter(|k| !current.contains_key(*k)).cloned())
        .collect()
}

/// Per city, the boxes where the grid must be recounted: the old and the new place of every
/// changed source (links gone and come are added by the caller as it learns them).
pub fn dirty_areas(
    changed: &BTreeSet<String>,
    recorded: &BTreeMap<String, SourceState>,
    current: &BTreeMap<String, SourceState>,
) -> BTreeMap<String, Vec<Box3857>> {
    let mut dirty: BTreeMap<String, Vec<Box3857>> = BTreeMap::new();
    for source in changed {
        for state in [recorded.get(source), current.get(source)].into_iter().flatten() {
            mark(&mut dirty, state.city.as_ref(), state.bbox);
        }
    }
    dirty
}

/// Adds `bbox` to `city`'s dirty boxes, when both are known.
pub fn mark(dirty: &mut BTreeMap<String, Vec<Box3857>>, city: Option<&String>, bbox: Option<Box3857>) {
    if let (Some(c), Some(b)) = (city, bbox) {
        dirty.entry(c.clone()).or_default().push(b);
    }
}

/// One end of a rule match as the planner sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanEnd {
    /// A layer's features.
    Layer {
        /// Its id.
        id: String,
        /// Its kind.
        kind: LayerKind,
        /// Its sectors.
        sectors: Vec<Sector>,
        /// Its city.
        city: Option<String>,
    },
    /// Projects: the kinds and sectors of each that may be in it, or `None` when unknown
    /// (then every rule may apply and the SQL decides row by row).
    Projects(Option<Vec<(Vec<LayerKind>, Vec<Sector>)>>),
}

/// Whether `selector` may select something of `end`.
pub fn picks(selector: &Selector, end: &PlanEnd) -> bool {
    match end {
        PlanEnd::Layer { kind, sectors, .. } => selector.matches(&[*kind], sectors),
        PlanEnd::Projects(Some(members)) => members.iter().any(|(k, s)| selector.matches(k, s)),
        PlanEnd::Projects(None) => true,
    }
}

/// Two layers of different cities never meet; projects are matched city by city in SQL.
fn same_city(a: &PlanEnd, b: &PlanEnd) -> bool {
    match (a, b) {
        (PlanEnd::Layer { city: Some(x), .. }, PlanEnd::Layer { city: Some(y), .. }) => x == y,
        _ => true,
    }
}

/// When two layers each fit both ends of a rule, the pair would be matched both ways; only
/// the one with the smaller id first is kept (a layer with itself pairs each two features
/// once, by `a.id < b.id` in the match SQL).
fn mirrored(rule: &Rule, from: &PlanEnd, to: &PlanEnd) -> bool {
    match (from, to) {
        (PlanEnd::Layer { id: a, .. }, PlanEnd::Layer { id: b, .. }) => {
            a > b && picks(&rule.from, to) && picks(&rule.to, from)
        }
        _ => false,
    }
}

/// The (rule, from end, to end) index triples a refresh must match: every pair of ends a rule
/// may select, of one city, at least one of which changed (`ends[i].1`), each unordered pair
/// of layers once.
pub fn rule_pairs(rules: &[Rule], ends: &[(PlanEnd, bool)]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for (r, rule) in rules.iter().enumerate() {
        for (f, (from, from_changed)) in ends.iter().enumerate() {
            if !picks(&rule.from, from) {
                continue;
            }
            for (t, (to, to_changed)) in ends.iter().enumerate() {
                if (*from_changed || *to_changed)
                    && picks(&rule.to, to)
                    && same_city(from, to)
                    && !mirrored(rule, from, to)
                {
                    out.push((r, f, t));
                }
            }
        }
    }
    out
}

/// Shares costed items among `n` groups, largest first, each to the lightest group.
pub fn share<T>(mut items: Vec<(u64, T)>, n: usize) -> Vec<Vec<T>> {
    items.sort_by_key(|i| std::cmp::Reverse(i.0));
    let mut groups: Vec<(u64, Vec<T>)> = (0..n).map(|_| (0, Vec::new())).collect();
    for (c, item) in items {
        if let Some(g) = groups.iter_mut().min_by_key(|g| g.0) {
            g.0 = g.0.saturating_add(c);
            g.1.push(item);
        }
    }
    groups.into_iter().map(|g| g.1).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::Effect;

    fn state(revision: i64, public: bool, city: &str, bbox: Box3857) -> SourceState {
        SourceState { revision, public, city: Some(city.to_owned()), bbox: Some(bbox), base: revision }
    }

    fn rule(id: &str, from: &[LayerKind], to: &[LayerKind]) -> Rule {
        Rule {
            id: id.to_owned(),
            title: id.to_owned(),
            title_th: None,
            from: Selector { kinds: from.to_vec(), sectors: vec![] },
            to: Selector { kinds: to.to_vec(), sectors: vec![] },
            distance_m: 500.0,
            effect: Effect::Conflict,
            weight: 3,
            rationale: String::new(),
            rationale_th: None,
            source: String::new(),
            overrides: vec![],
        }
    }

    fn layer(id: &str, kind: LayerKind, city: &str) -> PlanEnd {
        PlanEnd::Layer { id: id.to_owned(), kind, sectors: vec![Sector::Water], city: Some(city.to_owned()) }
    }

    #[test]
    fn changed_sources_are_the_new_the_changed_and_the_gone() {
        let b = [0.0, 0.0, 1.0, 1.0];
        let recorded: BTreeMap<String, SourceState> = [
            ("layer:same".to_owned(), state(1, true, "cm", b)),
            ("layer:edited".to_owned(), state(1, true, "cm", b)),
            ("project:drafted".to_owned(), state(4, true, "cm", b)),
            ("project:deleted".to_owned(), state(2, true, "cm", b)),
        ]
        .into();
        let current: BTreeMap<String, SourceState> = [
            ("layer:same".to_owned(), state(1, true, "cm", [5.0, 5.0, 6.0, 6.0])),
            ("layer:edited".to_owned(), state(2, true, "cm", b)),
            ("project:drafted".to_owned(), state(4, false, "cm", b)),
            ("layer:new".to_owned(), state(1, true, "naga", b)),
        ]
        .into();
        let changed = changed_sources(&recorded, &current, false);
        let want: BTreeSet<String> =
            ["layer:edited", "project:drafted", "project:deleted", "layer:new"].map(str::to_owned).into();
        assert_eq!(changed, want, "a box alone moving is no change: links follow revisions");
        assert_eq!(changed_sources(&recorded, &current, true), current.keys().cloned().collect());
    }

    #[test]
    fn feature_edits_alone_are_redone_feature_by_feature() {
        let b = [0.0, 0.0, 1.0, 1.0];
        let recorded = state(5, true, "cm", b);
        let edited = SourceState { base: 4, ..state(7, true, "cm", b) };
        assert!(edited.edited_since(&recorded));
        let uploaded = SourceState { base: 6, ..state(7, true, "cm", b) };
        assert!(!uploaded.edited_since(&recorded), "a change as a whole since: every link again");
        let drafted = SourceState { base: 4, ..state(7, false, "cm", b) };
        assert!(!drafted.edited_since(&recorded));
        let moved = SourceState { base: 4, ..state(7, true, "naga", b) };
        assert!(!moved.edited_since(&recorded), "another city: another grid");
        assert!(!state(5, true, "cm", b).edited_since(&recorded), "nothing changed");
    }

    #[test]
    fn the_grid_is_recounted_where_a_change_was_and_is() {
        let old = [0.0, 0.0, 10.0, 10.0];
        let new = [1000.0, 0.0, 1010.0, 10.0];
        let recorded: BTreeMap<String, SourceState> = [("project:moved".to_owned(), state(1, true, "cm", old))].into();
        let mut current: BTreeMap<String, SourceState> =
            [("project:moved".to_owned(), state(2, true, "cm", new))].into();
        current.insert(
            "layer:cityless".to_owned(),
            SourceState { revision: 1, public: true, city: None, bbox: Some(old), base: 1 },
        );
        let changed: BTreeSet<String> = ["project:moved", "layer:cityless"].map(str::to_owned).into();
        let dirty = dirty_areas(&changed, &recorded, &current);
        assert_eq!(dirty.len(), 1, "a source of no city has no grid: {dirty:?}");
        assert_eq!(dirty["cm"], vec![old, new]);
        // Far apart, the two places are recounted apart; near, as one.
        assert_eq!(clusters(&dirty["cm"], 100.0).len(), 2);
        assert_eq!(clusters(&dirty["cm"], 2000.0), vec![[0.0, 0.0, 1010.0, 10.0]]);
        // A box that bridges two groups merges all three.
        let bridged = clusters(&[[0.0, 0.0, 1.0, 1.0], [10.0, 0.0, 11.0, 1.0], [1.0, 0.0, 10.0, 1.0]], 0.5);
        assert_eq!(bridged, vec![[0.0, 0.0, 11.0, 1.0]]);
        assert_eq!(union(&[]), None);
    }

    #[test]
    fn rule_pairs_join_changed_ends_of_one_city_each_way_once() {
        let rules = [
            rule("landfill-water", &[LayerKind::WasteSite], &[LayerKind::Waterway]),
            rule("water-water", &[LayerKind::Waterway], &[LayerKind::Waterway]),
        ];
        let ends = vec![
            (layer("dumps", LayerKind::WasteSite, "cm"), true),
            (layer("canals", LayerKind::Waterway, "cm"), false),
            (layer("rivers", LayerKind::Waterway, "cm"), false),
            (layer("naga-rivers", LayerKind::Waterway, "naga"), false),
            (PlanEnd::Projects(Some(vec![(vec![LayerKind::ProjectFootprint, LayerKind::Waterway], vec![])])), true),
            (PlanEnd::Projects(Some(vec![(vec![LayerKind::ProjectFootprint], vec![])])), false),
        ];
        let named = rule_pairs(&rules, &ends);
        // Dumps (changed) against both Chiang Mai waterways and the changed waterway project;
        // never Naga's rivers; canals-rivers unchanged, so not matched again.
        assert!(named.contains(&(0, 0, 1)) && named.contains(&(0, 0, 2)) && named.contains(&(0, 0, 4)));
        assert!(!named.contains(&(0, 0, 3)), "another city's layer is never matched");
        assert!(!named.iter().any(|&(r, f, t)| r == 1 && f <= 3 && t <= 3), "no change among the layers: {named:?}");
        // The changed project (a waterway) meets every waterway, and itself, under rule 1.
        assert!(named.contains(&(1, 4, 1)) && named.contains(&(1, 1, 4)) && named.contains(&(1, 4, 4)));
        // Projects that are nothing but footprints never start a waterway rule.
        assert!(!named.iter().any(|&(_, f, _)| f == 5));
        // With both layers changed, canals-rivers is matched one way only.
        let mut both = ends.clone();
        both[1].1 = true;
        both[2].1 = true;
        let pairs = rule_pairs(&rules, &both);
        let between = pairs.iter().filter(|&&(r, f, t)| r == 1 && ((f, t) == (1, 2) || (f, t) == (2, 1))).count();
        assert_eq!(between, 1);
    }

    #[test]
    fn work_is_shared_evenly_largest_first() {
        let groups = share(vec![(5, "a"), (3, "b"), (3, "c"), (1, "d")], 2);
        assert_eq!(groups, vec![vec!["a", "d"], vec!["b", "c"]]);
        assert_eq!(share::<&str>(vec![], 2), vec![Vec::<&str>::new(), vec![]]);
    }

    #[test]
    fn boxes_far_apart_stay_apart_and_near_ones_merge() {
        let a = [0.0, 0.0, 10.0, 10.0];
        let far = [10_000.0, 0.0, 10_010.0, 10.0];
        assert_eq!(clusters(&[a, far], 100.0), vec![a, far]);
        let near = [50.0, 0.0, 60.0, 10.0];
        assert_eq!(clusters(&[a, near], 100.0), vec![[0.0, 0.0, 60.0, 10.0]]);
        // A box that bridges two groups joins them all.
        let bridge = [5_000.0, 0.0, 9_950.0, 10.0];
        let mid = [4_000.0, 0.0, 4_950.0, 10.0];
        let got = clusters(&[a, far, bridge, mid], 100.0);
        assert_eq!(got, vec![a, [4_000.0, 0.0, 10_010.0, 10.0]], "{got:?}");
    }
}
