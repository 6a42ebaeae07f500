// The API's types, made from the Rust types that serialize them; do not edit. To regenerate
// after changing them in Rust: NEXUS_BLESS=1 cargo test -p nexus-cli --test it web_types
import type { Effect, LayerKind, Sector } from './vocab.gen';

/**
 * Which features one end of a rule applies to: those whose kind is one of `kinds` (any kind
 * when empty) and that share a sector with `sectors` (any sector when empty).
 */
export type Selector = {
/**
 * Layer kinds; projects are `project_footprint` and their own kind.
 */
kinds: LayerKind[],
/**
 * Sectors.
 */
sectors: Sector[], };

/**
 * A national distance that replaces a rule's default in that country's cities.
 */
export type Override = {
/**
 * ISO 3166-1 alpha-2 country code (`ID`, `PH`, `VN`, `TH`).
 */
country: string,
/**
 * The distance there, in metres.
 */
distance_m: number, };

/**
 * One interlinkage rule.
 */
export type Rule = {
/**
 * Stable identifier (`landfill-surface-water`): lower-case words joined by `-`.
 */
id: string,
/**
 * A short name for people.
 */
title: string,
/**
 * The name in Thai, when given.
 */
title_th?: string,
/**
 * The features the rule starts from.
 */
from: Selector,
/**
 * The features they are checked against.
 */
to: Selector,
/**
 * Metres on the ground, boundary to boundary; 0 means the two must intersect.
 */
distance_m: number,
/**
 * Synergy, conflict or constraint.
 */
effect: Effect,
/**
 * 1 informative, 2 significant (needs mitigation), 3 legal exclusion or health and safety.
 */
weight: number,
/**
 * Why, in one sentence.
 */
rationale: string,
/**
 * Why, in Thai, when given.
 */
rationale_th?: string,
/**
 * On whose authority.
 */
source: string,
/**
 * National distances.
 */
overrides: Array<Override>, };

/**
 * The Nexus settings besides the rules.
 */
export type GridSettings = {
/**
 * Side of an intensity hexagon on the ground, in metres (corner to corner it is twice that).
 */
hex_size_m: number, };

/**
 * A document a rule rests on.
 */
export type RuleSource = {
/**
 * What it is, for people.
 */
title: string,
/**
 * Where to read it.
 */
url?: string, };

/**
 * A validated rule set, as `data/nexus-rules.toml` holds it.
 */
export type RuleSet = {
/**
 * The intensity grid.
 */
grid: GridSettings,
/**
 * The rules, in order.
 */
rule: Array<Rule>,
/**
 * What the `[Sn]` marks in the rules' `source` stand for.
 */
sources?: { [key in string]: RuleSource }, };

/**
 * The rules that look as far as `distance_m` around the subject.
 */
export type Reach = {
/**
 * Metres on the ground (0: the two must touch).
 */
distance_m: number,
/**
 * Titles of the rules.
 */
rules: Array<string>, };

/**
 * What a live computation looked at.
 */
export type Checked = {
/**
 * Ids of the rules one of whose ends fits the subject, in the rule set's order.
 */
rules: Array<string>,
/**
 * Rules in the set.
 */
rules_total: number,
/**
 * Ids of the layers those rules were run against (their other end fits the layer).
 */
layers: Array<string>,
/**
 * Whether the other projects were looked at too.
 */
projects: boolean,
/**
 * The farthest any of those rules reaches in the subject's country, in metres.
 */
within_m: number,
/**
 * How far those rules reach, nearest first: each distance with the rules that reach it.
 */
reach: Array<Reach>, };

/**
 * A layer a project lies on (or crosses).
 */
export type TouchedLayer = {
/**
 * Layer id.
 */
layer: string,
/**
 * Its title.
 */
title: string,
/**
 * Its kind.
 */
kind: string,
/**
 * Its sectors.
 */
sectors: Array<string>,
/**
 * How many of its features the project meets.
 */
features: number, };

/**
 * A project seen through the other sectors.
 */
export type ProjectProfile = {
/**
 * The project's slug.
 */
slug: string,
/**
 * Its title.
 */
title: string,
/**
 * Its title in the local language.
 */
title_local: string | null,
/**
 * Its city.
 */
city: string,
/**
 * Its own sectors.
 */
sectors: Array<string>,
/**
 * What it builds, if said.
 */
kind: string | null,
/**
 * The layers under it, boundaries aside.
 */
touches: Array<TouchedLayer>,
/**
 * Its own sectors and those of what it lies on, without repeats.
 */
sectors_on_the_ground: Array<string>,
/**
 * Every rule match it makes, as GeoJSON Features (the project is the `projects` end).
 */
links: GeoJSON.Feature[],
/**
 * How many synergies, conflicts and constraints.
 */
summary: { [key in string]: number },
/**
 * The rules whose constraints it triggers (titles), without repeats.
 */
constraints: Array<string>,
/**
 * Whether it meets two sectors or more.
 */
cross_sector: boolean, };

/**
 * A city's Nexus at a glance.
 */
export type CitySummary = {
/**
 * The city's slug.
 */
city: string,
/**
 * The five sectors, in the order of the matrices' rows and columns.
 */
sectors: Array<string>,
/**
 * Sector × sector counts of links, per effect (symmetric: a water-waste link counts in both
 * the water row and the waste row).
 */
matrix: { [key in string]: Array<Array<number>> },
/**
 * Links per effect.
 */
links: { [key in string]: number },
/**
 * Links per rule.
 */
rules: { [key in string]: number },
/**
 * Projects per sector, per status and per Nexus dimension, and in all.
 */
projects: { [key in string]: { [key in string]: number } },
/**
 * Projects in all, and those touching two sectors or more.
 */
project_count: number,
/**
 * Projects touching two sectors or more.
 */
cross_sector_projects: number,
/**
 * Intensity cells, and the most sectors one holds.
 */
cells: number,
/**
 * The most distinct sectors in one cell.
 */
max_sectors_in_a_cell: number, };
