// The view in the URL: a copied link reopens it, and a damaged one never stops the map.
import { describe, expect, test } from 'vitest';
import { readHash, writeHash, type View } from '../src/hash';

describe('the URL hash', () => {
  test('reads every part of a shared link', () => {
    const v = readHash('#city=chiang-mai&map=13/18.7900/98.9900&layers=cm-rivers,cm-heritage&nexus=links,hex&project=cm-mae-kha&lang=th');
    expect(v).toEqual({
      city: 'chiang-mai',
      map: { zoom: 13, lat: 18.79, lon: 98.99 },
      layers: ['cm-rivers', 'cm-heritage'],
      nexus: ['links', 'hex'],
      project: 'cm-mae-kha',
      lang: 'th',
    });
  });

  test('a link without layers switches every layer on; an empty list none', () => {
    expect(readHash('#city=naga').layers).toBeNull();
    expect(readHash('#city=naga&layers=').layers).toEqual([]);
  });

  test('a damaged map part is ignored, a wrapped longitude brought back', () => {
    expect(readHash('#map=13/95/98').map).toBeNull();
    expect(readHash('#map=abc').map).toBeNull();
    expect(readHash('#map=40/10/370').map).toEqual({ zoom: 22, lat: 10, lon: 10 });
  });

  test('what is written reads back the same, commas and slashes kept readable', () => {
    const v: View = { city: 'da-nang', map: { zoom: 12.5, lat: 16.05, lon: 108.2 }, layers: ['a', 'b'], nexus: ['hex'], project: '', lang: 'en' };
    writeHash(v);
    expect(location.hash).toBe('#city=da-nang&map=12.50/16.05000/108.20000&layers=a,b&nexus=hex');
    expect(readHash(location.hash)).toEqual({ ...v, lang: '' });
  });
});
