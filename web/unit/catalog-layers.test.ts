// A catalog layer's source is described from the catalog, not fetched as TileJSON.
import { expect, test } from 'vitest';
import type { Layer } from '../src/api';
import { layerSource } from '../src/catalog-layers';
import { archiveZooms } from '../src/static-site';

test('a layer source carries its revision, zooms and its credit as text', () => {
  const l = {
    id: 'cm-canal', revision: 7, minzoom: 5, maxzoom: 8, bounds: [98.9, 18.7, 99.1, 18.9],
    attribution: '<b>© OSM</b> & co', source: null,
  } as unknown as Layer;
  const s = layerSource(l);
  expect(s.tiles).toEqual([`${location.origin}/tiles/cm-canal/{z}/{x}/{y}.mvt?v=7`]);
  expect([s.minzoom, s.maxzoom]).toEqual([5, 8]);
  expect(s.bounds).toBeUndefined();
  expect(s.attribution).toBe('&lt;b&gt;© OSM&lt;/b&gt; &amp; co');
  expect('url' in s).toBe(false);
});

test('on a static site a layer reads the archive down to its deepest zoom, and never gets a range MapLibre refuses', () => {
  expect(archiveZooms(5, 22, 13)).toEqual([5, 13]);
  expect(archiveZooms(5, 8, 13)).toEqual([5, 8]);
  // A street layer that starts at 15 in an archive cut at 13: an empty source, not a broken page.
  expect(archiveZooms(15, 22, 13)).toEqual([15, 15]);
});
