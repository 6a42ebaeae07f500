// The API's types, made from the Rust types that serialize them; do not edit. To regenerate
// after changing them in Rust: NEXUS_BLESS=1 cargo test -p nexus-cli --test it web_types
import type { Effect, GeometryFamily, LayerKind, Role, Sector, Visibility } from './vocab.gen';

/**
 * A city of the atlas (and the properties of its point in `GET /api/cities`).
 */
export type City = {
/**
 * URL word (`chiang-mai`).
 */
slug: string,
/**
 * English name.
 */
name: string,
/**
 * Name in the local language and script, when known.
 */
name_local: string | null,
/**
 * ISO 3166-1 alpha-2 country code (`TH`).
 */
country: string,
/**
 * Role in the programme: `partner`, `phase-1`, `associate`, …
 */
role: string,
/**
 * Centre longitude, degrees.
 */
lon: number,
/**
 * Centre latitude, degrees.
 */
lat: number,
/**
 * True when the centre is an illustrative estimate rather than survey data.
 */
approximate: boolean,
/**
 * Where the facts come from.
 */
source: string | null, };

/**
 * An XYZ raster basemap.
 */
export type Basemap = {
/**
 * `https://…/{z}/{x}/{y}.png`
 */
url: string,
/**
 * Who to credit under the map.
 */
attribution: string, };

/**
 * The answer of `GET /api/settings`.
 */
export type Settings = {
/**
 * The raster basemap under the atlas's layers, if one is configured.
 */
basemap: Basemap | null,
/**
 * Whether planners sign in here (always, on a server; a static site says no).
 */
planners: boolean,
/**
 * Whether the legacy shared planner token is configured.
 */
legacy_token: boolean,
/**
 * The largest upload accepted, in MiB.
 */
max_upload_mb: number, };

/**
 * How the actor proved who they are.
 */
export type Via = "session" | "token" | "cli" | "legacy" | "anonymous";

/**
 * A role held in one city, with how it reads to people.
 */
export type SessionRole = {
/**
 * The city.
 */
city: string,
/**
 * The role there.
 */
role: Role,
/**
 * "City admin" rather than "admin".
 */
label: string, };

/**
 * A person as the API shows them.
 */
export type SessionUser = {
/**
 * Their id.
 */
id: number,
/**
 * Their email, which they sign in with.
 */
email: string,
/**
 * The name shown to others.
 */
name: string,
/**
 * May do everything everywhere.
 */
site_admin: boolean,
/**
 * Their roles, one per city.
 */
roles: Array<SessionRole>, };

/**
 * The answer of `GET /api/session` and of a sign-in: the person (none for the anonymous and
 * the legacy token), how they proved it, and the CSRF token their writes echo.
 */
export type SessionAnswer = {
/**
 * Who is signed in.
 */
user: SessionUser | null,
/**
 * How: `session`, `token` or `legacy`.
 */
via?: Via,
/**
 * The token a cookie session's writes send back in `X-CSRF-Token`.
 */
csrf?: string,
/**
 * The legacy token acts as a site admin.
 */
site_admin?: boolean,
/**
 * When a new session ends (RFC 3339), on sign-in.
 */
expires_at?: string, };

/**
 * The type of a property, as exposed in TileJSON `vector_layers` and OGC API schemas.
 */
export type FieldType = "integer" | "number" | "string" | "boolean" | "date" | "date_time" | "time" | "array" | "object";

/**
 * A property name and its type.
 */
export type FieldDef = {
/**
 * Property name as in the source.
 */
name: string,
/**
 * Its type.
 */
type: FieldType, };

/**
 * A layer as the catalog holds it (and as `GET /api/layers` lists it).
 */
export type Layer = {
/**
 * Identifier (also the URL word and tile source id).
 */
id: string,
/**
 * Title.
 */
title: string,
/**
 * Title in the city's language.
 */
title_local: string | null,
/**
 * Description.
 */
description: string | null,
/**
 * Kind.
 */
kind: LayerKind,
/**
 * Sectors.
 */
sectors: Sector[],
/**
 * City.
 */
city: string | null,
/**
 * Source.
 */
source: string | null,
/**
 * Licence.
 */
licence: string | null,
/**
 * Attribution.
 */
attribution: string | null,
/**
 * Approximate positions.
 */
approximate: boolean,
/**
 * Part of the base map (see [`LayerMeta::basemap`]).
 */
basemap: boolean,
/**
 * Visibility.
 */
visibility: Visibility,
/**
 * Geometry family, once data arrived.
 */
geometry_type: GeometryFamily | null,
/**
 * `[west, south, east, north]`, once data arrived.
 */
bounds: [number, number, number, number] | null,
/**
 * Property schema.
 */
fields: Array<FieldDef>,
/**
 * Number of features.
 */
feature_count: number,
/**
 * Bumped by every change of the data.
 */
revision: number,
/**
 * Lowest zoom served.
 */
minzoom: number,
/**
 * Highest zoom served.
 */
maxzoom: number,
/**
 * The revision whose low-zoom tiles are pre-rendered, if any.
 */
prerendered_revision: number | null,
/**
 * The deepest pre-rendered zoom of that revision.
 */
prerendered_maxzoom: number | null,
/**
 * `Cache-Control: max-age` for tile URLs without a revision, in seconds.
 */
cache_max_age: number,
/**
 * The fields a click on a feature shows, in this order (all, when unset).
 */
popup_fields: Array<string> | null,
/**
 * Created.
 */
created_at: string,
/**
 * Last changed.
 */
updated_at: string, };

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
 * One thing a search found.
 */
export type SearchHit = {
/**
 * `city`, `project`, `solution` (a showcased solution), `layer` or `feature`.
 */
type: 'city' | 'project' | 'solution' | 'layer' | 'feature',
/**
 * The name that matched best (for a feature, its name field that matched).
 */
title: string,
/**
 * The other name (a city's or project's local name, a feature's other name field).
 */
title_local: string | null,
/**
 * The city it belongs to, when it belongs to one.
 */
city: string | null,
/**
 * The city slug, project slug, layer id, or `layer/fid` of a feature.
 */
id: string,
/**
 * The layer (of a feature, or the layer found).
 */
layer: string | null,
/**
 * That layer's title.
 */
layer_title: string | null,
/**
 * Where it is: west, south, east, north.
 */
bbox: [number, number, number, number] | null,
/**
 * How well it matched: 0 the whole name, 1 its start, 2 a word's start, 3 inside a word.
 */
rank: number, };

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
