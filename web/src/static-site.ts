// The map as a static site (`nexus export-site`): no server behind the page. Its `<meta
// name="nexus-static">` names the PMTiles archive; the JSON the map would ask the server for
// lies in `static/` under the same path (`/api/cities` → `static/api/cities.json`), the
// projects in `projects.geojson`. Everything is addressed relative to the page, so the site
// works at a host's root or in any folder of it.

const meta = typeof document === 'undefined' ? null : document.querySelector<HTMLMetaElement>('meta[name="nexus-static"]');

/** The archive's file name when the page is a static site, else null. */
export const STATIC: string | null = meta?.content || null;
/** The archive's deepest zoom (the map zooms in further on those tiles). */
export const STATIC_MAXZOOM = Number(meta?.dataset.maxzoom ?? 14);

/** An address of the site's, relative to the page. */
function siteUrl(file: string): string {
  return new URL(file, document.baseURI).href;
}

/** Where the static site keeps the answer to `GET path`. */
export function staticPath(path: string): string {
  const [p] = path.split('?');
  if (p === '/collections/projects/items') return siteUrl('projects.geojson');
  return siteUrl(`static${p}.json`);
}

/** The tile URL template of every layer: one archive holds them all, each as its own MVT layer. */
export function staticTiles(): string {
  return `pmtiles://${siteUrl(STATIC ?? 'atlas.pmtiles')}/{z}/{x}/{y}`;
}

/** The glyphs and font files the style names, inside the site. */
export function staticFonts(): string {
  return siteUrl('fonts').replace(/\/fonts$/, '');
}

// Nothing here talks to a server: the parts of the page that would are hidden.
if (STATIC) document.documentElement.classList.add('static-site');

/** A layer's source zooms on a static site: its own, capped at the archive's deepest zoom (the
 *  map zooms in further on those tiles), and never a range MapLibre refuses (a layer that starts
 *  deeper than the archive gets an empty source instead of breaking the page). */
export function archiveZooms(minzoom: number, maxzoom: number, archiveMax: number): [number, number] {
  return [minzoom, Math.max(minzoom, Math.min(maxzoom, archiveMax))];
}
