// The atlas's layers in the order they are drawn, bottom to top: a configured raster basemap,
// the catalog's areas, lines and points (slots its layers join whenever they arrive), the
// Nexus grid, projects and drafts, links, the overview's cities, the names of everything
// (the catalog's, then the projects' above them, so a project's title wins a crowded spot),
// and the selection.

import type { Map as MapLibre, SourceSpecification } from 'maplibre-gl';
import type { Settings } from './api';
import { SLOTS, tileJson } from './catalog-layers';
import { STATIC, STATIC_MAXZOOM, staticTiles } from './static-site';
import { projectLabels } from './labels';
import { cityLayers, hexLayers, linkLayers, projectLayers, selectedLayers } from './style';

/** An overlay's source: the server's TileJSON, or the static site's archive. */
function overlay(id: string): SourceSpecification {
  return STATIC ? { type: 'vector', tiles: [staticTiles()], maxzoom: STATIC_MAXZOOM } : { type: 'vector', url: tileJson(id) };
}

export function addStack(map: MapLibre, basemap: Settings['basemap'], overlays: { links: boolean; hex: boolean }): void {
  if (basemap) {
    map.addSource('basemap', { type: 'raster', tiles: [basemap.url], tileSize: 256, attribution: basemap.attribution });
    map.addLayer({ id: 'basemap', type: 'raster', source: 'basemap' });
  }
  for (const id of SLOTS) map.addLayer({ id, type: 'background', layout: { visibility: 'none' } });
  const belowLabels = (specs: Parameters<MapLibre['addLayer']>[0][]) => specs.forEach((s) => map.addLayer(s, 'slot:labels'));
  map.addSource('nexus-hex', overlay('nexus-hex'));
  belowLabels(hexLayers(overlays.hex));
  // A static site has no project tiles: its projects.geojson is drawn (see project-sources.ts).
  const projectsLayer = STATIC ? null : 'projects';
  map.addSource('projects', STATIC ? { type: 'geojson', data: { type: 'FeatureCollection', features: [] } } : { type: 'vector', url: tileJson('projects') });
  belowLabels(projectLayers('projects', projectsLayer, 'projects'));
  map.addSource('drafts', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  belowLabels(projectLayers('drafts', null, 'drafts'));
  // Links above projects: they are what a planner switched on to look at.
  map.addSource('nexus-links', overlay('nexus-links'));
  belowLabels(linkLayers(overlays.links));
  belowLabels(cityLayers());
  for (const spec of [...projectLabels('projects', projectsLayer, 'projects'), ...projectLabels('drafts', null, 'drafts')]) map.addLayer(spec);
  map.addSource('selected', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  for (const spec of selectedLayers()) map.addLayer(spec);
}
