// The API's types, made from the Rust types that serialize them; do not edit. To regenerate
// after changing them in Rust: NEXUS_BLESS=1 cargo test -p nexus-cli --test it web_types
import type { Dimension, GeometryFamily, LayerKind, ProjectKind, ProjectStatus, Sector, Visibility } from './vocab.gen';

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
 * The properties of a project's Feature, as read (a save sends them without `revision` and
 * `updated_at`, which the server keeps).
 */
export type ProjectAnswer = {
/**
 * Its id in URLs.
 */
slug: string,
/**
 * The city it belongs to.
 */
city: string,
/**
 * Title in English.
 */
title: string,
/**
 * Title in the city's language.
 */
title_local: string | null,
/**
 * What it does.
 */
description: string | null,
/**
 * The description in the city's language.
 */
description_local: string | null,
/**
 * Sectors it touches.
 */
sectors: Sector[],
/**
 * Nexus dimensions it works on.
 */
dimensions: Dimension[],
/**
 * The kind of facility it builds, if the Nexus rules know it.
 */
kind: ProjectKind | null,
/**
 * Where it is in its life.
 */
status: ProjectStatus,
/**
 * Money, when known, in `currency`.
 */
budget: number | null,
/**
 * ISO 4217 code of the budget.
 */
currency: string | null,
/**
 * Start date (`YYYY-MM-DD`).
 */
start_date: string | null,
/**
 * End date (`YYYY-MM-DD`).
 */
end_date: string | null,
/**
 * Partner organisations.
 */
partners: Array<string>,
/**
 * Where the facts come from.
 */
source: string | null,
/**
 * True when its position is illustrative rather than surveyed.
 */
approximate: boolean,
/**
 * Who may see it.
 */
visibility: Visibility,
/**
 * Bumped by every save; an edit sends the one it started from (`If-Match`).
 */
revision: number,
/**
 * When it was last saved (RFC 3339).
 */
updated_at: string, };
