// Everything the page knows and may change, in one object: the view (mirrored in the URL),
// the data read from the server, and what the map shows. Modules are handed it; none keeps
// state of its own.

import type * as api from './api';
import type { City, Layer, Rule } from './api';
import type { View } from './hash';
import type { ProjectFeature } from './projects';
import type { RuleSource } from './api';

export interface AtlasState {
  /** The city, map view, layers, overlays, project and language, as in the URL. */
  view: View;
  /** Whether the link opened at a view of its own (saving the view overwrites `view.map`). */
  openedAtView: boolean;
  cities: GeoJSON.FeatureCollection<GeoJSON.Point, City>;
  /** The catalog's layers (the overlays and projects apart). */
  catalog: Layer[];
  projects: ProjectFeature[];
  rules: Map<string, Rule>;
  /** What the rules' [Sn] marks stand for. */
  sources: Record<string, RuleSource>;
  /** The layers switched on. */
  visible: Set<string>;
  settings: api.Settings;
  /** Who the page acts as (GET /api/session). */
  me: api.Me;
  /** The overlays' revisions the map's sources were made with. */
  overlayRevisions: Map<string, number>;
  /** The links of one cell of the city summary shown alone (effect, sector, sector). */
  linkPair: [string, string, string] | null;
  /** Started: data read and the map's layers made. */
  ready: boolean;
  /** When the map last failed (the banner stays until it draws again without one). */
  failedAt: number;
  /** Counts data refreshes, so a late answer does not undo a newer one. */
  generation: number;
  /** A feature is being edited: map clicks belong to the editor. */
  editing: boolean;
}

export function newState(view: View): AtlasState {
  return {
    view,
    openedAtView: view.map !== null,
    cities: { type: 'FeatureCollection', features: [] },
    catalog: [],
    projects: [],
    rules: new Map(),
    sources: {},
    visible: new Set(),
    settings: { basemap: null, planners: false, legacy_token: false, max_upload_mb: 0 },
    me: { user: null, legacy: false },
    overlayRevisions: new Map(),
    linkPair: null,
    ready: false,
    failedAt: 0,
    generation: 0,
    editing: false,
  };
}
