// The first page: every partner city in view on any screen, each named on the map (a few names
// are page elements, no glyphs needed) and a button to its city, with a summary on hover.

import * as maplibregl from 'maplibre-gl';
import type { City } from './api';
import { el } from './dom';
import { lang, t } from './i18n';
import type { AtlasState } from './state';

/** The view when no city has been read yet. */
export const OVERVIEW = { center: [105, 15] as [number, number], zoom: 3.2 };

export interface Overview {
  cityName(slug: string): string;
  cityOf(slug: string): GeoJSON.Feature<GeoJSON.Point, City> | undefined;
  /** Frames every partner city. */
  overview(duration: number): void;
  /** Puts the cities' names on the map. */
  addLabels(): void;
  /** Writes the names again (the page's language changed). */
  nameLabels(): void;
}

export function setupOverview(map: maplibregl.Map, state: AtlasState, setCity: (slug: string) => void): Overview {
  /** A city's name in the page's language. */
  function cityName(slug: string): string {
    const c = cityOf(slug)?.properties;
    return c ? (lang() === 'th' && c.name_local ? c.name_local : c.name) : slug;
  }

  /** The box around every partner city: the first page shows them all, on any screen. */
  function overview(duration: number): void {
    if (!state.cities.features.length) return void map.flyTo({ ...OVERVIEW, duration });
    // The page may have been laid out after the map was made (a fast load): measure it now,
    // or the box would be fitted into a canvas of no size, which does nothing.
    map.resize();
    const b = new maplibregl.LngLatBounds();
    for (const c of state.cities.features) b.extend(c.geometry.coordinates as [number, number]);
    const small = map.getContainer().clientWidth < 600;
    map.fitBounds(b, { padding: small ? { top: 30, bottom: 30, left: 20, right: 60 } : { top: 50, bottom: 50, left: 60, right: 140 }, duration });
  }

  /** A city's label: its name in the page's language, the other name (English, or the local
   *  name in its own script) beneath. */
  function nameLabel(b: HTMLElement): void {
    const c = cityOf(b.dataset.slug ?? '')?.properties;
    if (!c) return;
    const first = cityName(c.slug);
    const other = first === c.name ? c.name_local : c.name;
    b.replaceChildren(el('span', { class: 'city-name' }, first), other && other !== first ? el('span', { class: 'city-local' }, other) : '');
  }

  function nameLabels(): void {
    for (const b of document.querySelectorAll<HTMLElement>('.city-label')) nameLabel(b);
  }

  /** City names on the overview, as page elements (a handful of names needs no glyphs, and
   *  the browser's fonts write every local script); a name is a button to its city. */
  function addLabels(): void {
    for (const c of state.cities.features) {
      const b = el('button', { type: 'button', class: 'city-label', 'data-slug': c.properties.slug });
      nameLabel(b);
      b.addEventListener('click', (e) => {
        e.stopPropagation();
        setCity(c.properties.slug);
      });
      new maplibregl.Marker({ element: b, anchor: 'left', offset: [9, 0] }).setLngLat(c.geometry.coordinates as [number, number]).addTo(map);
    }
    const follow = () => map.getContainer().classList.toggle('overview', map.getZoom() < 7);
    map.on('zoom', follow);
    follow();
  }

  /** A city's summary on hover: its names, its projects, its role in the programme. */
  const cityHover = new maplibregl.Popup({ closeButton: false, closeOnClick: false, className: 'city-hover', offset: 10 });
  map.on('mousemove', 'cities', (e) => {
    const f = e.features?.[0];
    if (!f) return;
    const p = f.properties as City & { projects: number };
    cityHover
      .setLngLat((f.geometry as GeoJSON.Point).coordinates as [number, number])
      .setDOMContent(
        el('div', {}, el('strong', {}, p.name), p.name_local ? el('span', { lang: 'th' }, ` · ${p.name_local}`) : null, el('br'), `${p.projects} ${t('projects').toLowerCase()}`),
      )
      .addTo(map);
  });
  map.on('mouseleave', 'cities', () => cityHover.remove());

  function cityOf(slug: string): GeoJSON.Feature<GeoJSON.Point, City> | undefined {
    return state.cities.features.find((c) => c.properties.slug === slug);
  }

  return { cityName, cityOf, overview, addLabels, nameLabels };
}
