// The base map of the overview: land, countries, coastlines, lakes and major rivers of Asia
// (Natural Earth, layers of the atlas marked `basemap`), drawn beneath everything in muted
// colours and only at the low zooms; from zoom 9 the cities' own layers are the base, as
// before. They are context, not things planned: no names, no clicks, no legend entry.

import type { LayerSpecification } from 'maplibre-gl';
import type { Layer } from './api';

/** The land's colour (the browser test looks for it in a screenshot). */
export const LAND_COLOUR = '#f1ead3';

/** Above this zoom the base map steps aside. */
const MAXZOOM = 9;

/** Style layers of a base-map layer, ids `L:<id>:base-land|base-fill|base-line` (the slots
 *  keep land under water under lines, whatever order the layers arrive in). */
export function basemapLayers(l: Layer, visible: boolean): LayerSpecification[] {
  const source = `L:${l.id}`;
  const base = { source, 'source-layer': l.id, maxzoom: MAXZOOM, layout: { visibility: visible ? ('visible' as const) : ('none' as const) } };
  const polygons = ['==', ['geometry-type'], 'Polygon'] as never;
  const lines = ['==', ['geometry-type'], 'LineString'] as never;
  // Faded out before the cities' base takes over, rather than switched off at once.
  const fade = (v: number) => ['interpolate', ['linear'], ['zoom'], MAXZOOM - 2, v, MAXZOOM, 0] as never;
  if (l.kind === 'land') {
    return [{ ...base, id: `${source}:base-land`, type: 'fill', filter: polygons, paint: { 'fill-color': LAND_COLOUR, 'fill-opacity': fade(1) } }];
  }
  if (l.kind === 'water_body') {
    return [{ ...base, id: `${source}:base-fill`, type: 'fill', filter: polygons, paint: { 'fill-color': '#cfe0ee', 'fill-opacity': fade(1) } }];
  }
  if (l.kind === 'waterway') {
    return [{
      ...base, id: `${source}:base-line`, type: 'line', filter: lines,
      paint: { 'line-color': '#9fc3de', 'line-width': ['interpolate', ['linear'], ['zoom'], 3, 0.6, 8, 1.6], 'line-opacity': fade(1) },
    }];
  }
  return [{
    ...base, id: `${source}:base-line`, type: 'line', filter: ['any', polygons, lines] as never,
    paint: { 'line-color': '#a7b0ba', 'line-width': ['interpolate', ['linear'], ['zoom'], 3, 0.5, 8, 1.1], 'line-opacity': fade(1) },
  }];
}
