// Projects drawn from GeoJSON rather than tiles: a planner's drafts (tiles show only what is
// public), and on a static site every project (it has no project tiles, only projects.geojson).
// Their properties are shaped as the tiles' are, so one style draws both.

import type * as maplibregl from 'maplibre-gl';
import type { ProjectFeature } from './projects';
import { STATIC } from './static-site';

function collection(projects: ProjectFeature[]): GeoJSON.FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: projects.map((p) => ({
      ...p,
      geometry: p.geometry as GeoJSON.Geometry,
      properties: { ...p.properties, sector: p.properties.sectors[0] },
    })),
  };
}

export function syncProjectSources(map: maplibregl.Map, projects: ProjectFeature[]): void {
  const drawn = projects.filter((p) => p.geometry);
  const drafts = drawn.filter((p) => p.properties.visibility === 'draft');
  (map.getSource('drafts') as maplibregl.GeoJSONSource | undefined)?.setData(collection(drafts));
  if (STATIC) (map.getSource('projects') as maplibregl.GeoJSONSource | undefined)?.setData(collection(drawn.filter((p) => p.properties.visibility !== 'draft')));
}
