// The PMTiles archive of a static site (see static-site.ts), read through the `pmtiles`
// protocol.

import * as maplibregl from 'maplibre-gl';
import { Protocol } from 'pmtiles';

/** Most tiles kept for sharing between sources (a tile of every layer is a few hundred KB at most). */
const KEPT = 256;

/**
 * Registers `pmtiles://` with MapLibre. Every catalog layer is a source of its own (as on the
 * live map), and all of them read the same archive tile: each tile is fetched once and handed
 * to every source that asks, instead of once per layer. A source that stops waiting does not
 * cancel the fetch the others share.
 */
export function registerArchive(): void {
  const protocol = new Protocol();
  const shared = new Map<string, Promise<{ data: unknown }>>();
  maplibregl.addProtocol('pmtiles', async (params) => {
    let answer = shared.get(params.url);
    if (!answer) {
      answer = protocol.tilev4(params, new AbortController());
      shared.set(params.url, answer);
      answer.catch(() => shared.delete(params.url));
      if (shared.size > KEPT) shared.delete(shared.keys().next().value as string);
    }
    const { data } = await answer;
    // Each source gets its own copy: MapLibre hands the buffer to a worker, which detaches it.
    return { data: (data instanceof Uint8Array ? data.slice() : data) as maplibregl.AddProtocolResponseData };
  });
}
