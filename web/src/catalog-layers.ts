// The catalog's layers on the map: a vector source and style layers for each, kept in step
// with the catalog (new layers added, changed ones reloaded, gone ones removed), drawn in a
// fixed order whatever order they arrive in.

import type * as maplibregl from 'maplibre-gl';
import type { AtlasState } from './state';
import { catalogLabels } from './labels';
import { basemapLayers } from './basemap';
import { catalogLayers, ORIGIN } from './style';
import type { Layer } from './api';
import { archiveZooms, STATIC, STATIC_MAXZOOM, staticTiles } from './static-site';

/** A source's TileJSON address on this server. */
export function tileJson(id: string): string {
  return `${ORIGIN}/tiles/${encodeURIComponent(id)}.json`;
}

/** Text for MapLibre's attribution, which it writes as HTML. */
function asText(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/** Layer `l`'s vector source described from the catalog itself, as its TileJSON would: a page
 *  of dozens of layers would otherwise ask for dozens of documents before its first tile. */
export function layerSource(l: Layer): maplibregl.VectorSourceSpecification {
  const credit = l.attribution ?? l.source;
  return {
    type: 'vector',
    // A static site's archive holds every layer's tiles down to its own deepest zoom.
    tiles: [STATIC ? staticTiles() : `${ORIGIN}/tiles/${encodeURIComponent(l.id)}/{z}/{x}/{y}.mvt?v=${l.revision}`],
    minzoom: l.minzoom ?? 0,
    maxzoom: STATIC ? archiveZooms(l.minzoom ?? 0, l.maxzoom ?? 22, STATIC_MAXZOOM)[1] : (l.maxzoom ?? 22),
    // No bounds: a feature added later outside them would never be asked for (setTiles keeps them).
    ...(credit ? { attribution: asText(credit) } : {}),
  };
}

/** Shows or hides every style layer of catalog layer `id`. */
export function layerVisibility(map: maplibregl.Map, id: string, on: boolean): void {
  for (const l of map.getStyle().layers) {
    if ('source' in l && l.source === `L:${id}`) map.setLayoutProperty(l.id, 'visibility', on ? 'visible' : 'none');
  }
}

/** Adds the sources and style layers of catalog layers the map does not have yet, and
 *  reloads those whose revision moved. */
export function syncCatalogLayers(map: maplibregl.Map, state: AtlasState, previous: Map<string, number>): void {
  for (const l of state.catalog) {
    const source = `L:${l.id}`;
    if (!map.getSource(source)) {
      map.addSource(source, layerSource(l));
      const on = state.visible.has(l.id);
      const specs = l.basemap ? basemapLayers(l, on) : [...catalogLayers(l, on), ...catalogLabels(l, on)];
      for (const spec of specs) map.addLayer(spec, slotFor(spec.id));
    } else if (previous.get(l.id) !== l.revision) {
      (map.getSource(source) as maplibregl.VectorTileSource).setTiles(layerSource(l).tiles ?? []);
    }
  }
  // Layers gone from the catalog (deleted, or drafts after signing out) leave the map.
  const known = new Set(state.catalog.map((l) => `L:${l.id}`));
  for (const spec of map.getStyle().layers) {
    if ('source' in spec && spec.source.startsWith('L:') && !known.has(spec.source)) map.removeLayer(spec.id);
  }
  for (const id of Object.keys(map.getStyle().sources)) if (id.startsWith('L:') && !known.has(id)) map.removeSource(id);
}

/** Empty marker layers that keep the drawing order whatever order layers arrive in: the base
 *  map's land, water and lines, then areas, then outlines and lines, then points, then (see
 *  stack.ts) the Nexus grid, projects and links, then every name. */
export const SLOTS = ['slot:base-land', 'slot:base-fills', 'slot:base-lines', 'slot:fills', 'slot:lines', 'slot:points', 'slot:labels'];

function slotFor(styleLayer: string): string {
  const base = /:(base-land|base-fill|base-line)$/.exec(styleLayer)?.[1];
  if (base) return `slot:${base === 'base-fill' ? 'base-fills' : base === 'base-line' ? 'base-lines' : base}`;
  if (/:label(-line)?$/.test(styleLayer)) return 'slot:labels';
  if (styleLayer.endsWith(':fill')) return 'slot:fills';
  if (styleLayer.endsWith(':line') || styleLayer.endsWith(':casing')) return 'slot:lines';
  return 'slot:points';
}
