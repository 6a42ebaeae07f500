// Drawing and reshaping one feature on the map with terra-draw (MapLibre adapter), loaded
// only when an editor first edits: visitors never download it. A feature is moved by
// dragging it, reshaped by dragging its vertices (midpoints add one, a right click removes
// one), and new features are drawn point by point.

import type { Map } from 'maplibre-gl';

/** What a layer holds, as the catalog says (`geometry_type`). */
export type Family = 'point' | 'line' | 'polygon';

export interface Drawing {
  /** Puts `geometry` on the map, selected, ready to drag. False when it cannot be reshaped
   *  here (several parts): then only its attributes are edited. */
  edit(geometry: GeoJSON.Geometry): boolean;
  /** Lets the person draw a new feature of `family`; resolves with it once finished (a
   *  double click, or the first point again for an area), selected for reshaping. */
  draw(family: Family): Promise<GeoJSON.Geometry>;
  /** The geometry as it is now, in the type it came in. */
  current(): GeoJSON.Geometry | null;
  /** Removes what is drawn and stops taking the map's clicks. */
  clear(): void;
}

const MODE: Record<Family, string> = { point: 'point', line: 'linestring', polygon: 'polygon' };

/** A one-part geometry as terra-draw draws it, and how to give it back its own type. */
function single(g: GeoJSON.Geometry): { part: GeoJSON.Point | GeoJSON.LineString | GeoJSON.Polygon; multi: boolean } | null {
  switch (g.type) {
    case 'Point':
    case 'LineString':
    case 'Polygon':
      return { part: g, multi: false };
    case 'MultiPoint':
      return g.coordinates.length === 1 ? { part: { type: 'Point', coordinates: g.coordinates[0] }, multi: true } : null;
    case 'MultiLineString':
      return g.coordinates.length === 1 ? { part: { type: 'LineString', coordinates: g.coordinates[0] }, multi: true } : null;
    case 'MultiPolygon':
      return g.coordinates.length === 1 ? { part: { type: 'Polygon', coordinates: g.coordinates[0] }, multi: true } : null;
    default:
      return null;
  }
}

function multiOf(g: GeoJSON.Point | GeoJSON.LineString | GeoJSON.Polygon): GeoJSON.Geometry {
  switch (g.type) {
    case 'Point':
      return { type: 'MultiPoint', coordinates: [g.coordinates] };
    case 'LineString':
      return { type: 'MultiLineString', coordinates: [g.coordinates] };
    default:
      return { type: 'MultiPolygon', coordinates: [g.coordinates] };
  }
}

const modeOf = (g: GeoJSON.Geometry): string => (g.type === 'Point' ? 'point' : g.type === 'LineString' ? 'linestring' : 'polygon');

export async function startDrawing(map: Map): Promise<Drawing> {
  const [td, { TerraDrawMapLibreGLAdapter }] = await Promise.all([import('terra-draw'), import('terra-draw-maplibre-gl-adapter')]);
  const reshape = { feature: { draggable: true, coordinates: { draggable: true, midpoints: true, deletable: true } } };
  const draw = new td.TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({ map }),
    modes: [
      new td.TerraDrawSelectMode({ flags: { point: { feature: { draggable: true } }, linestring: reshape, polygon: reshape } }),
      new td.TerraDrawPointMode(),
      new td.TerraDrawLineStringMode(),
      new td.TerraDrawPolygonMode(),
    ],
  });
  draw.start();
  draw.setMode('static');
  let multi = false;
  let id: string | number | null = null;

  function put(part: GeoJSON.Point | GeoJSON.LineString | GeoJSON.Polygon): void {
    draw.clear();
    draw.setMode('select');
    id = draw.getFeatureId();
    draw.addFeatures([{ id, type: 'Feature', geometry: part, properties: { mode: modeOf(part) } }]);
    draw.selectFeature(id);
  }

  return {
    edit(geometry) {
      const s = single(geometry);
      if (!s) return false;
      multi = s.multi;
      put(s.part);
      return true;
    },
    draw(family) {
      draw.clear();
      multi = false;
      draw.setMode(MODE[family]);
      return new Promise((resolve) => {
        const done = (finished: string | number): void => {
          draw.off('finish', done);
          const g = draw.getSnapshotFeature(finished)?.geometry as GeoJSON.Point | GeoJSON.LineString | GeoJSON.Polygon;
          put(g);
          resolve(g);
        };
        draw.on('finish', done);
      });
    },
    current() {
      const g = id === null ? undefined : draw.getSnapshotFeature(id)?.geometry;
      if (!g) return null;
      const part = g as GeoJSON.Point | GeoJSON.LineString | GeoJSON.Polygon;
      return multi ? multiOf(part) : part;
    },
    clear() {
      draw.clear();
      draw.setMode('static');
      id = null;
    },
  };
}
