// What a click on the map opens, by rank: a link's explanation, a project's card, a city, a
// hexagon's summary, then a layer's feature (boundaries last: they lie under everything).
// While a planner sketches, clicks belong to the sketch.

import type * as maplibregl from 'maplibre-gl';
import type { Popups } from './popups';
import type { AtlasState } from './state';

/** Where a click may take the page. */
export interface Go {
  selectProject(slug: string): void;
  setCity(slug: string): void;
}

export function setupClicks(map: maplibregl.Map, state: AtlasState, popups: Popups, go: Go): void {
  map.on('click', (e) => {
    if (map.getCanvas().style.cursor === 'crosshair' || state.editing) return; // sketching or editing
    // What answers a click, by rank: links, projects, cities, then a layer's points, lines and
    // areas (boundaries last: they are under everything).
    const rank = (id: string): number => {
      if (id.startsWith('links:')) return 0;
      // On the overview a city's dot answers before the projects drawn in it.
      if (id === 'cities') return map.getZoom() < 8 ? 0.5 : 2;
      // A hexagon answers before the layers beneath it.
      if (id === 'hex:fill') return 2.5;
      if (id.startsWith('projects:') || id.startsWith('drafts:')) return 1;
      if (!id.startsWith('L:')) return 99;
      if (id.endsWith(':point')) return 3;
      const layer = state.catalog.find((l) => id.startsWith(`L:${l.id}:`));
      if (layer?.basemap) return 99; // context, not something to open
      if (layer?.kind === 'boundary') return 6;
      return id.endsWith(':line') ? 4 : 5;
    };
    const hit = map
      .queryRenderedFeatures(e.point)
      .filter((f) => rank(f.layer.id) < 99)
      .sort((a, b) => rank(a.layer.id) - rank(b.layer.id))[0];
    if (!hit) return;
    const id = hit.layer.id;
    if (id.startsWith('links:')) popups.link(hit, e.lngLat);
    else if (id.startsWith('projects:') || id.startsWith('drafts:')) go.selectProject(String(hit.properties?.slug));
    else if (id === 'cities') go.setCity(String(hit.properties?.slug));
    else if (id === 'hex:fill') popups.hex(hit, e.lngLat);
    else popups.feature(hit, e.lngLat);
  });

  for (const id of ['projects:fill', 'projects:line', 'projects:line-approximate', 'projects:point', 'cities', 'hex:fill', 'links:synergy', 'links:conflict', 'links:constraint', 'links:point']) {
    const cursor = (c: string) => () => {
      const style = map.getCanvas().style;
      if (style.cursor !== 'crosshair') style.cursor = c;
    };
    map.on('mouseenter', id, cursor('pointer'));
    map.on('mouseleave', id, cursor(''));
  }
}
