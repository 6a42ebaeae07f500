// The style built from the catalog: one prefix per layer, sector colours, boundaries as
// outlines, approximate places dashed, hidden layers hidden.
import { expect, test } from 'vitest';
import type { Layer } from '../src/api';
import { layerWith } from './layer';
import { SECTOR_COLOUR } from '../src/colours';
import { catalogLayers } from '../src/style';

const layer = (over: Partial<Layer>): Layer => layerWith({ id: 'cm-canal', title: 'Canal', kind: 'waterway', sectors: ['water'], city: 'chiang-mai', geometry_type: 'line', revision: 3, ...over });

test('every style layer of a catalog layer reads its source and is prefixed by it', () => {
  for (const l of catalogLayers(layer({}), true)) {
    expect(l.id.startsWith('L:cm-canal:')).toBe(true);
    expect((l as { source: string }).source).toBe('L:cm-canal');
  }
});

test('a waterway is drawn in the water colour; hidden layers are hidden', () => {
  const specs = catalogLayers(layer({}), false);
  const line = specs.find((s) => s.type === 'line') as { paint: Record<string, unknown>; layout: { visibility: string } };
  expect(JSON.stringify(line.paint)).toContain(SECTOR_COLOUR.water);
  expect(specs.every((s) => (s.layout as { visibility: string }).visibility === 'none')).toBe(true);
});

test('a boundary is an outline (its fill only catches clicks), and an approximate layer is dashed', () => {
  const boundary = catalogLayers(layer({ kind: 'boundary', sectors: ['land'], geometry_type: 'polygon' }), true);
  const fill = boundary.find((s) => s.type === 'fill') as unknown as { paint: Record<string, number> };
  expect(fill.paint['fill-opacity']).toBeLessThan(0.05);
  expect(boundary.some((s) => s.type === 'line')).toBe(true);
  const approximate = catalogLayers(layer({ approximate: true }), true);
  expect(approximate.some((s) => JSON.stringify(s).includes('line-dasharray'))).toBe(true);
});
