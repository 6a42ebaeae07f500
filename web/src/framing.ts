// The selected project on the map: drawn in its own style, and framed where the open card
// does not cover it.

import type * as maplibregl from 'maplibre-gl';
import { byId } from './dom';
import type { ProjectFeature } from './projects';

/** Draws the selected project above everything (or nothing, when none is). */
export function showSelected(map: maplibregl.Map, p: ProjectFeature | null): void {
  const features = p?.geometry ? [{ type: 'Feature' as const, geometry: p.geometry, properties: { slug: p.properties.slug } }] : [];
  (map.getSource('selected') as maplibregl.GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features });
}

/** Padding that keeps what is framed clear of the open card: beside it on a desktop, above
 *  it on a phone (where the card is a sheet along the bottom). */
export function besideCard(map: maplibregl.Map): maplibregl.PaddingOptions {
  const pad = { top: 50, right: 50, bottom: 50, left: 50 };
  const card = byId('card');
  if (card.hidden) return pad;
  const c = card.getBoundingClientRect();
  const m = map.getContainer().getBoundingClientRect();
  if (c.width < m.width * 0.6) {
    pad.right = Math.max(pad.right, m.right - c.left + 30);
  } else {
    // The sheet grows to its full height once the Nexus profile arrives.
    const top = Math.min(c.top, c.bottom - innerHeight * 0.45);
    pad.bottom = Math.max(pad.bottom, m.bottom - top + 20);
  }
  // A map too small for the padding still shows the thing, under whatever covers it.
  if (pad.right + pad.left >= m.width - 40) pad.right = Math.max(0, m.width - pad.left - 60);
  if (pad.top + pad.bottom >= m.height - 40) pad.bottom = Math.max(0, m.height - pad.top - 60);
  return pad;
}
