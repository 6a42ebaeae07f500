// The map's style, built from the project's own data: no external tiles, fonts or sprites.
// A layer from the catalog is drawn by its geometry and kind in its first sector's colour;
// heritage zones hatched, boundaries as grey lines, approximate data dashed.

import type { ExpressionSpecification, LayerSpecification, Map, StyleSpecification } from 'maplibre-gl';
import type { Layer } from './api';
import { EFFECT_COLOUR, HEX_RAMP, sectorColour, sectorMatch } from './colours';
import { fontFaces } from './labels';
import { STATIC, staticFonts } from './static-site';

export const ORIGIN = location.origin;
/** Where the fonts are: this server, or the static site's folder. */
const FONTS = STATIC ? staticFonts() : ORIGIN;

export function baseStyle(): StyleSpecification {
  const style: StyleSpecification = {
    version: 8,
    sources: {
      cities: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
    },
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef2f5' } }],
    // Label glyphs rendered by this server from its own fonts (see labels.ts).
    glyphs: `${FONTS}/fonts/{fontstack}/{range}.pbf`,
    'font-faces': fontFaces(FONTS),
  };
  return style;
}

/** The overview's cities, sized by their number of projects. */
export function cityLayers(): LayerSpecification[] {
  return [
    {
      id: 'cities',
      type: 'circle',
      source: 'cities',
      maxzoom: 9,
      paint: {
        'circle-radius': ['+', 5, ['*', 2.5, ['sqrt', ['coalesce', ['get', 'projects'], 0]]]],
        'circle-color': ['match', ['get', 'role'], 'partner', '#0072B2', '#999999'],
        'circle-opacity': 0.85,
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1.5,
      },
    },
  ];
}

/** Style layers of one catalog layer, ids prefixed `L:<id>:`. */
export function catalogLayers(l: Layer, visible: boolean): LayerSpecification[] {
  const source = `L:${l.id}`;
  const colour = sectorColour(l.sectors[0]);
  const visibility = visible ? 'visible' : 'none';
  const base = { source, 'source-layer': l.id, layout: { visibility } } as const;
  const dash = l.approximate ? { 'line-dasharray': [2, 2] } : {};
  const out: LayerSpecification[] = [];
  const polygons: unknown = ['==', ['geometry-type'], 'Polygon'];
  const lines: unknown = ['==', ['geometry-type'], 'LineString'];
  const points: unknown = ['==', ['geometry-type'], 'Point'];
  if (l.kind === 'boundary') {
    out.push({
      ...base,
      id: `${source}:line`,
      type: 'line',
      filter: polygons as never,
      paint: { 'line-color': '#7b8794', 'line-width': ['interpolate', ['linear'], ['zoom'], 6, 0.4, 12, 1.2], ...dash },
    } as LayerSpecification);
    out.push({
      ...base,
      id: `${source}:fill`,
      type: 'fill',
      filter: polygons as never,
      paint: { 'fill-color': '#ffffff', 'fill-opacity': 0.01 },
    } as LayerSpecification);
    return out;
  }
  if (l.kind === 'road') {
    // A street base: white roads in a grey casing, widening as one zooms in (named in labels.ts).
    const width = (z10: number, z14: number, z17: number): ExpressionSpecification => ['interpolate', ['exponential', 1.6], ['zoom'], 10, z10, 14, z14, 17, z17];
    const round = { 'line-cap': 'round', 'line-join': 'round' } as const;
    out.push({ ...base, id: `${source}:casing`, type: 'line', filter: lines as never, layout: { visibility, ...round }, paint: { 'line-color': '#a3acb5', 'line-width': width(1, 4, 14) } } as LayerSpecification);
    out.push({ ...base, id: `${source}:line`, type: 'line', filter: lines as never, layout: { visibility, ...round }, paint: { 'line-color': '#ffffff', 'line-width': width(0.4, 2.6, 11.5) } } as LayerSpecification);
    return out;
  }
  if (l.kind === 'heritage_zone') {
    out.push({
      ...base,
      id: `${source}:fill`,
      type: 'fill',
      filter: polygons as never,
      paint: { 'fill-pattern': 'hatch-land' },
    } as LayerSpecification);
    out.push({
      ...base,
      id: `${source}:line`,
      type: 'line',
      filter: polygons as never,
      paint: { 'line-color': colour, 'line-width': 2, 'line-dasharray': [3, 1.5] },
    } as LayerSpecification);
    return out;
  }
  out.push({
    ...base,
    id: `${source}:fill`,
    type: 'fill',
    filter: polygons as never,
    paint: { 'fill-color': colour, 'fill-opacity': 0.18 },
  } as LayerSpecification);
  out.push({
    ...base,
    id: `${source}:line`,
    type: 'line',
    filter: ['any', polygons, lines] as never,
    paint: {
      'line-color': colour,
      'line-width': l.kind === 'waterway' ? ['interpolate', ['linear'], ['zoom'], 8, 1, 14, 3.5] : 1.2,
      ...dash,
    },
  } as LayerSpecification);
  out.push({
    ...base,
    id: `${source}:point`,
    type: 'circle',
    filter: points as never,
    paint: {
      'circle-color': colour,
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 6, 3, 14, 7],
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 1.2,
      ...(l.approximate ? { 'circle-opacity': 0.6 } : {}),
    },
  } as LayerSpecification);
  return out;
}

/** The projects (public ones from tiles; planners' drafts from a GeoJSON source), by sector and status. */
export function projectLayers(source: string, sourceLayer: string | null, prefix: string): LayerSpecification[] {
  const base = sourceLayer ? { source, 'source-layer': sourceLayer } : { source };
  const status = (idea: unknown, planned: unknown, building: unknown, done: unknown) => [
    'match',
    ['get', 'status'],
    'idea',
    idea,
    'planned',
    planned,
    'under_construction',
    building,
    done,
  ];
  return [
    {
      ...base,
      id: `${prefix}:fill`,
      type: 'fill',
      filter: ['==', ['geometry-type'], 'Polygon'],
      paint: { 'fill-color': sectorMatch() as never, 'fill-opacity': status(0.12, 0.25, 0.4, 0.55) as never },
    } as LayerSpecification,
    {
      ...base,
      id: `${prefix}:line`,
      type: 'line',
      filter: ['all', ['any', ['==', ['geometry-type'], 'LineString'], ['==', ['geometry-type'], 'Polygon']], ['!', ['to-boolean', ['get', 'approximate']]]],
      paint: {
        'line-color': sectorMatch() as never,
        'line-width': ['interpolate', ['linear'], ['zoom'], 8, 2.5, 15, 6],
        'line-opacity': status(0.6, 0.8, 1, 1) as never,
      },
    } as LayerSpecification,
    // Places known only roughly are drawn dashed (the card says so too).
    {
      ...base,
      id: `${prefix}:line-approximate`,
      type: 'line',
      filter: ['all', ['any', ['==', ['geometry-type'], 'LineString'], ['==', ['geometry-type'], 'Polygon']], ['to-boolean', ['get', 'approximate']]],
      paint: {
        'line-color': sectorMatch() as never,
        'line-width': ['interpolate', ['linear'], ['zoom'], 8, 2.5, 15, 6],
        'line-opacity': status(0.6, 0.8, 1, 1) as never,
        'line-dasharray': [2, 1.5],
      },
    } as LayerSpecification,
    {
      ...base,
      id: `${prefix}:point`,
      type: 'circle',
      filter: ['==', ['geometry-type'], 'Point'],
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 6, 5, 14, 10],
        // Ideas are hollow rings; the further along, the fuller the dot.
        'circle-color': status('#ffffff', sectorMatch(), sectorMatch(), sectorMatch()) as never,
        'circle-opacity': status(1, 0.55, 0.85, 1) as never,
        'circle-stroke-color': status(sectorMatch(), '#ffffff', '#1f2933', '#ffffff') as never,
        'circle-stroke-width': status(3, 1.5, 2, 1.5) as never,
      },
    } as LayerSpecification,
  ];
}

/** Colour of the selected project: no sector's, so it never hides in a layer of its sector. */
export const SELECTED = '#ffd400';

/** The selected project (GeoJSON source `selected`), drawn above everything as a white halo
 *  around a bright line, ring or outline. */
export function selectedLayers(): LayerSpecification[] {
  const lines = ['any', ['==', ['geometry-type'], 'LineString'], ['==', ['geometry-type'], 'Polygon']];
  return [
    { id: 'selected:fill', type: 'fill', source: 'selected', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': SELECTED, 'fill-opacity': 0.2 } },
    { id: 'selected:halo', type: 'line', source: 'selected', filter: lines, layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': '#ffffff', 'line-width': 11, 'line-opacity': 0.9 } },
    { id: 'selected:line', type: 'line', source: 'selected', filter: lines, layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': SELECTED, 'line-width': 5 } },
    {
      id: 'selected:point',
      type: 'circle',
      source: 'selected',
      filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-radius': 13, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': SELECTED, 'circle-stroke-width': 4 },
    },
  ] as LayerSpecification[];
}

export function linkLayers(visible: boolean): LayerSpecification[] {
  const visibility = visible ? 'visible' : 'none';
  const base = { source: 'nexus-links', 'source-layer': 'nexus-links', layout: { visibility } } as const;
  const width = ['interpolate', ['linear'], ['zoom'], 8, ['*', 1, ['get', 'weight']], 15, ['*', 2.5, ['get', 'weight']]];
  const out: LayerSpecification[] = [];
  for (const effect of ['synergy', 'conflict', 'constraint']) {
    out.push({
      ...base,
      id: `links:${effect}`,
      type: 'line',
      filter: ['all', ['==', ['get', 'effect'], effect], ['==', ['geometry-type'], 'LineString']],
      layout: { visibility, 'line-cap': 'round' },
      paint: {
        'line-color': EFFECT_COLOUR[effect],
        'line-width': width as never,
        ...(effect === 'constraint' ? { 'line-dasharray': [2, 1.5] } : {}),
      },
    } as LayerSpecification);
  }
  out.push({
    ...base,
    id: 'links:point',
    type: 'circle',
    filter: ['==', ['geometry-type'], 'Point'],
    paint: {
      'circle-radius': ['+', 4, ['*', 2, ['get', 'weight']]],
      'circle-color': ['match', ['get', 'effect'], 'synergy', EFFECT_COLOUR.synergy, 'conflict', EFFECT_COLOUR.conflict, EFFECT_COLOUR.constraint],
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 1.5,
    },
  } as LayerSpecification);
  return out;
}

/** A filter keeping the links of `effect` between a thing of sector `a` and one of sector `b`
 *  (either way round), as a city summary's cell counts them. Tiles carry each end's sectors
 *  as words (`from_sector_list`: "water land"). */
export function linkPairFilter(effect: string, a: string, b: string): unknown[] {
  const has = (s: string, end: string) => ['in', s, ['to-string', ['get', end]]];
  return [
    'all',
    ['==', ['get', 'effect'], effect],
    ['any', ['all', has(a, 'from_sector_list'), has(b, 'to_sector_list')], ['all', has(b, 'from_sector_list'), has(a, 'to_sector_list')]],
  ];
}

export function hexLayers(visible: boolean): LayerSpecification[] {
  const visibility = visible ? 'visible' : 'none';
  const ramp: unknown[] = ['step', ['get', 'sectors'], 'rgba(0,0,0,0)'];
  HEX_RAMP.forEach((c, i) => ramp.push(i + 1, c));
  return [
    {
      id: 'hex:fill',
      type: 'fill',
      source: 'nexus-hex',
      'source-layer': 'nexus-hex',
      layout: { visibility },
      // Light enough that what lies beneath (a heritage zone's hatching) still shows.
      paint: { 'fill-color': ramp as never, 'fill-opacity': 0.5, 'fill-outline-color': 'rgba(75,15,120,0.5)' },
    } as LayerSpecification,
  ];
}

/** Diagonal hatching for heritage zones, drawn once into an image. */
export function addPatterns(map: Map): void {
  const size = 8;
  const data = new Uint8Array(size * size * 4);
  const [r, g, b] = [0xd5, 0x5e, 0x00];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if ((x + y) % size < 2) {
        const i = (y * size + x) * 4;
        data.set([r, g, b, 150], i);
      }
    }
  }
  if (!map.hasImage('hatch-land')) map.addImage('hatch-land', { width: size, height: size, data });
}
