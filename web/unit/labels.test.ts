// Labels: names in the page's language from whichever name field a layer has, one label layer
// per kind of placement, and a change of language reaching every label.
import { expect, test } from 'vitest';
import type { Layer } from '../src/api';
import { layerWith } from './layer';
import { catalogLabels, featureName, fontFaces, projectName, relabel } from '../src/labels';
import { catalogLayers } from '../src/style';

const layer = (over: Partial<Layer>): Layer => layerWith({ id: 'cm-tambon', title: 'Tambon', kind: 'boundary', sectors: ['land'], city: 'chiang-mai', geometry_type: 'polygon', revision: 3, ...over });

const fields = (e: unknown) => (e as unknown[]).slice(1).filter(Array.isArray).map((g) => (g as string[])[1]);

test('a name comes from the first name field in the language’s order, Thai names first in Thai', () => {
  expect(fields(featureName('en')).slice(0, 3)).toEqual(['name_en', 'name', 'nama']);
  expect(fields(featureName('th')).slice(0, 2)).toEqual(['name_th', 'name_local']);
  // A river with only its Thai name is still named in English.
  expect(fields(featureName('en'))).toContain('name_local');
  expect(JSON.stringify(projectName('th'))).toMatch(/title_local.*title/);
});

test('a layer’s labels follow its visibility, and areas are named from zoom 10', () => {
  const specs = catalogLabels(layer({}), false);
  expect(specs.map((s) => s.id)).toEqual(['L:cm-tambon:label']);
  expect(specs.every((s) => (s.layout as { visibility: string }).visibility === 'none')).toBe(true);
  expect(specs[0].minzoom).toBe(10);
  expect((specs[0].layout as Record<string, unknown>)['text-font']).toEqual(['Nexus Sans']);
  // Lines are named along themselves; a layer whose geometry is not known yet gets both placements.
  const river = catalogLabels(layer({ id: 'cm-rivers', kind: 'waterway', geometry_type: 'line' }), true);
  expect(river.map((s) => [s.id, (s.layout as Record<string, unknown>)['symbol-placement']])).toEqual([['L:cm-rivers:label-line', 'line']]);
  expect(catalogLabels(layer({ geometry_type: null }), true)).toHaveLength(2);
});

test('Thai is drawn from the server’s own font file, nothing from another host', () => {
  const faces = fontFaces('http://atlas.test') as Record<string, { url: string; 'unicode-range': string[] }[]>;
  expect(faces['Nexus Sans'][0].url).toBe('http://atlas.test/fonts/files/Loma.ttf');
  expect(faces['Nexus Sans'][0]['unicode-range']).toEqual(['U+0E00-0E7F']);
});

test('a change of language rewrites every label and nothing else', () => {
  const layers = [...catalogLayers(layer({}), true), ...catalogLabels(layer({ geometry_type: null }), true), { id: 'projects:label', metadata: { 'nexus:label': 'project' } }];
  const set: [string, string][] = [];
  const map = { getStyle: () => ({ layers }), setLayoutProperty: (id: string, _p: string, v: unknown) => set.push([id, JSON.stringify(v)]) };
  relabel(map as never);
  expect(set.map(([id]) => id)).toEqual(['L:cm-tambon:label-line', 'L:cm-tambon:label', 'projects:label']);
});

test('a road layer is a street base: a white line in a grey casing', () => {
  const road = catalogLayers(layer({ id: 'cm-roads', kind: 'road', geometry_type: 'line' }), true);
  expect(road.map((s) => s.id)).toEqual(['L:cm-roads:casing', 'L:cm-roads:line']);
  expect((road[1] as { paint: Record<string, unknown> }).paint['line-color']).toBe('#ffffff');
});
