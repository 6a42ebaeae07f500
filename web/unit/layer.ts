// A catalog layer for tests: every field the server sends (api-catalog.gen.ts), with the test's own
// values over them.
import type { Layer } from '../src/api';

export const layerWith = (over: Partial<Layer>): Layer => ({
  id: 'test', title: 'Test', title_local: null, description: null, kind: 'boundary', sectors: [], city: null,
  source: null, licence: null, attribution: null, approximate: false, basemap: false, visibility: 'public',
  geometry_type: 'polygon', bounds: null, fields: [], feature_count: 1, revision: 1, minzoom: 0, maxzoom: 22,
  prerendered_revision: null, prerendered_maxzoom: null, cache_max_age: 300, popup_fields: null, created_at: '',
  updated_at: '', ...over,
});
