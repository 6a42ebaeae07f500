// Small DOM helpers: every text goes in as text, never as HTML.

import { STATIC, staticPath } from './static-site';

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/** A labelled form field: the label's text above its input. */
export function field(label: string, input: HTMLElement): HTMLElement {
  return el('label', { class: 'field' }, el('span', {}, label), input);
}

/** What went wrong, as text for the page (an Error's message, anything else as it prints). */
export function errorText(e: unknown): string {
  return String(e instanceof Error ? e.message : e);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no #${id}`);
  return e as T;
}

const SVG = 'http://www.w3.org/2000/svg';

export function svg(tag: string, attrs: Record<string, string | number> = {}, text?: string): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

export const EXPORT_FORMATS: [string, string][] = [
  ['geojson', 'GeoJSON'],
  ['gpkg', 'GeoPackage'],
  ['shp.zip', 'Shapefile'],
  ['csv', 'CSV'],
  ['kml', 'KML'],
  ['fgb', 'FlatGeobuf'],
];

/** Download links for collection `id` with query `query`. */
export function downloads(id: string, query = ''): HTMLElement {
  const box = el('div', { class: 'download-links' });
  // A static site has its projects as one GeoJSON file and no export service.
  if (STATIC) {
    if (id === 'projects') box.append(el('a', { href: staticPath('/collections/projects/items'), download: '', 'data-format': 'geojson' }, 'GeoJSON'));
    return box;
  }
  for (const [ext, name] of EXPORT_FORMATS) {
    box.append(
      el('a', { href: `/export/${encodeURIComponent(id)}.${ext}${query}`, download: '', 'data-format': ext }, name),
    );
  }
  return box;
}
