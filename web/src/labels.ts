// The map's labels: names of tambon and other areas, waterways and roads, places and projects,
// in the page's language, drawn with glyphs this server renders from its own fonts
// (`/fonts/{fontstack}/{range}.pbf`): nothing comes from outside. A feature's name is its first
// name field in the language's order (a Thai name first in Thai), so data from OSM, the
// Thai and Indonesian boundary sets and the atlas's own files all read without settings.

import type { ExpressionSpecification, LayerSpecification, Map as MapLibre, StyleSpecification } from 'maplibre-gl';
import type { Layer } from './api';
import { lang, type Lang } from './i18n';

/** The stacks `GET /fonts` lists: DejaVu Sans with TLWG Loma for Thai. */
export const FONT = ['Nexus Sans'];
export const FONT_BOLD = ['Nexus Sans Bold'];

/** Thai is drawn from the server's own Loma font file, shaped by the browser: its vowels and
 *  tone marks stack over the consonant only when a word is shaped whole, which glyph ranges
 *  (one code point at a time) cannot do. The files are the stacks' own (`/fonts/files/…`). */
export function fontFaces(origin: string): StyleSpecification['font-faces'] {
  const thai = (file: string) => [{ url: `${origin}/fonts/files/${file}`, 'unicode-range': ['U+0E00-0E7F'] }];
  return { 'Nexus Sans': thai('Loma.ttf'), 'Nexus Sans Bold': thai('Loma-Bold.ttf') };
}

const NAME_FIELDS: Record<Lang, string[]> = {
  en: ['name_en', 'name', 'nama', 'Name', 'NAME', 'title', 'label', 'name_local', 'name_th'],
  th: ['name_th', 'name_local', 'name', 'nama', 'Name', 'NAME', 'title', 'label', 'name_en'],
};

/** A feature's name in `l`: its first name field that has one. */
export function featureName(l: Lang = lang()): ExpressionSpecification {
  return ['coalesce', ...NAME_FIELDS[l].map((k): ExpressionSpecification => ['get', k]), ''];
}

/** A project's title in `l` (tiles carry `title` and `title_local`). */
export function projectName(l: Lang = lang()): ExpressionSpecification {
  return l === 'th' ? ['coalesce', ['get', 'title_local'], ['get', 'title']] : ['get', 'title'];
}

/** Which name a label layer shows, kept in the layer so a change of language finds it. */
type LabelKind = 'feature' | 'project';
const KIND = 'nexus:label';

const HALO = { 'text-halo-color': 'rgba(255,255,255,0.92)', 'text-halo-width': 1.6 } as const;

/** The text colour of a layer's labels: darker than its lines, so names read over them. */
function ink(l: Layer): string {
  if (l.kind === 'waterway' || l.kind === 'water_body') return '#0b4f7a';
  if (l.kind === 'heritage_zone') return '#8a3c00';
  return '#323f4b';
}

/** Label layers of one catalog layer: names along its lines, and at its points and inside its
 *  areas (boundaries from zoom 10, the rest from 11, so the overview stays clear). */
export function catalogLabels(l: Layer, visible: boolean): LayerSpecification[] {
  const source = `L:${l.id}`;
  const named: ExpressionSpecification = ['!=', featureName(), ''];
  const base = { type: 'symbol', source, 'source-layer': l.id, metadata: { [KIND]: 'feature' satisfies LabelKind } };
  const text = { visibility: visible ? 'visible' : 'none', 'text-field': featureName(), 'text-font': FONT };
  const areas = l.kind === 'boundary' || l.kind === 'land_use' || l.kind === 'heritage_zone';
  const out: unknown[] = [];
  // A layer of one geometry gets the one label layer it needs: each costs layout in every tile.
  if (l.geometry_type !== 'point' && l.geometry_type !== 'polygon') {
    out.push({
      ...base,
      id: `${source}:label-line`,
      minzoom: l.kind === 'road' ? 14 : 11,
      filter: ['all', ['==', ['geometry-type'], 'LineString'], named],
      layout: {
        ...text,
        'symbol-placement': 'line',
        'text-size': ['interpolate', ['linear'], ['zoom'], 11, 11, 16, 14],
        'text-max-angle': 35,
        'symbol-spacing': 320,
      },
      paint: { 'text-color': ink(l), ...HALO },
    });
  }
  if (l.geometry_type !== 'line') {
    out.push({
      ...base,
      id: `${source}:label`,
      minzoom: areas ? 10 : 11,
      filter: ['all', ['!=', ['geometry-type'], 'LineString'], named],
      layout: {
        ...text,
        'text-size': areas ? ['interpolate', ['linear'], ['zoom'], 10, 11, 15, 14] : 12,
        'text-max-width': 9,
        // Points: the name below the dot; areas: in their middle.
        'text-variable-anchor': areas ? ['center'] : ['top', 'bottom', 'left', 'right'],
        'text-radial-offset': areas ? 0 : 0.8,
        'text-optional': !areas,
        ...(areas ? { 'text-letter-spacing': 0.04 } : {}),
      },
      paint: { 'text-color': areas ? '#52606d' : ink(l), ...HALO },
    });
  }
  return out as LayerSpecification[];
}

/** Titles of projects (public ones from tiles, drafts from GeoJSON), above the layers' names:
 *  beside a point or area, along the middle of a line. */
export function projectLabels(source: string, sourceLayer: string | null, prefix: string): LayerSpecification[] {
  const base = {
    type: 'symbol',
    source,
    ...(sourceLayer ? { 'source-layer': sourceLayer } : {}),
    metadata: { [KIND]: 'project' satisfies LabelKind },
    minzoom: 11,
    paint: { 'text-color': '#1f2933', ...HALO },
  };
  const text = { 'text-field': projectName(), 'text-font': FONT_BOLD, 'text-size': 12.5, 'text-max-width': 10 };
  const line: ExpressionSpecification = ['==', ['geometry-type'], 'LineString'];
  return [
    {
      ...base,
      id: `${prefix}:label`,
      filter: ['!', line],
      layout: { ...text, 'text-variable-anchor': ['top', 'bottom', 'right', 'left'], 'text-radial-offset': 1.1 },
    },
    { ...base, id: `${prefix}:label-line`, filter: line, layout: { ...text, 'symbol-placement': 'line', 'symbol-spacing': 400, 'text-max-angle': 60 } },
  ] as LayerSpecification[];
}

/** After a change of language: every label shows the names of the new one. */
export function relabel(map: MapLibre): void {
  for (const layer of map.getStyle().layers) {
    const kind = (layer.metadata as Record<string, unknown> | undefined)?.[KIND];
    if (kind === 'feature') map.setLayoutProperty(layer.id, 'text-field', featureName());
    else if (kind === 'project') map.setLayoutProperty(layer.id, 'text-field', projectName());
  }
}
