// What a click on the map explains: a feature of a layer (its names first, never KML's
// drawing hints), a hexagon of the intensity grid (which sectors meet there), or a Nexus link
// (its rule in words, its sources as linked titles, and its projects to open).

import * as maplibregl from 'maplibre-gl';
import { EFFECT_COLOUR } from './colours';
import { editFeatureButton } from './feature-actions';
import type { FeatureEditor } from './feature-edit';
import { el } from './dom';
import { local, t, tf } from './i18n';
import { layerTitle } from './layers';
import { citedSources } from './sources';
import type { AtlasState } from './state';

export interface Popups {
  feature(f: maplibregl.MapGeoJSONFeature, at: maplibregl.LngLat): void;
  hex(f: maplibregl.MapGeoJSONFeature, at: maplibregl.LngLat): void;
  link(f: maplibregl.MapGeoJSONFeature, at: maplibregl.LngLat): void;
}

export function makePopups(
  map: maplibregl.Map,
  state: AtlasState,
  selectProject: (slug: string) => void,
  editor: FeatureEditor,
): Popups {
  /** Fields that only style a feature (KML's drawing hints, ids): never shown to people. */
  const STYLING = new Set(['tessellate', 'extrude', 'visibility', 'draworder', 'icon', 'altitudemode', 'styleurl', 'snippet', 'fid', 'begin', 'end', 'timestamp']);

  function feature(f: maplibregl.MapGeoJSONFeature, at: maplibregl.LngLat): void {
    const layer = state.catalog.find((l) => `L:${l.id}` === f.source);
    const dl = el('dl');
    const props = f.properties ?? {};
    const held = (v: unknown) => v !== null && v !== '' && v !== undefined;
    // The layer's chosen fields in its order; otherwise names first, then the other fields
    // that hold something.
    const chosen = layer?.popup_fields;
    const shown = chosen
      ? chosen.filter((k) => held(props[k])).map((k): [string, unknown] => [k, props[k]])
      : Object.entries(props)
        .filter(([k, v]) => !STYLING.has(k.toLowerCase()) && held(v))
        .sort(([a], [b]) => Number(!/^(name|nama|title)/i.test(a)) - Number(!/^(name|nama|title)/i.test(b)))
        .slice(0, 12);
    for (const [k, v] of shown) dl.append(el('dt', {}, k), el('dd', {}, String(v)));
    const popup = new maplibregl.Popup({ maxWidth: '320px' });
    const edit = editFeatureButton(layer, f.id, state.me, editor, () => popup.remove());
    popup
      .setLngLat(at)
      .setDOMContent(el('div', { class: 'feature-popup' }, el('strong', {}, layer ? layerTitle(layer) : f.source), dl, edit))
      .addTo(map);
  }

  /** A hexagon of the intensity grid says what meets in it. */
  function hex(f: maplibregl.MapGeoJSONFeature, at: maplibregl.LngLat): void {
    const p = f.properties as Record<string, string | number>;
    const sectors = String(p.sector_words ?? '').split(' ').filter(Boolean).map((s) => t(s)).join(', ');
    new maplibregl.Popup({ maxWidth: '300px' })
      .setLngLat(at)
      .setDOMContent(
        el(
          'div',
          { class: 'hex-popup' },
          el('strong', {}, tf('hexSectors', { n: p.sectors ?? 0 })),
          sectors ? el('p', {}, sectors) : null,
          el('p', {}, tf('hexCounts', { features: p.features ?? 0, projects: p.projects ?? 0 })),
          el('p', {}, `${t('synergy')} ${p.synergies ?? 0} · ${t('conflict')} ${p.conflicts ?? 0} · ${t('constraint')} ${p.constraints ?? 0}`),
        ),
      )
      .addTo(map);
  }

  /** Buttons that open the projects at either end of a link. */
  function openProjects(p: Record<string, string | number>): HTMLElement[] {
    return [p.from_ref, p.to_ref]
      .map(String)
      .filter((r) => r.startsWith('project:'))
      .map((r) => {
        const slug = r.slice('project:'.length);
        const name = state.projects.find((x) => x.properties.slug === slug)?.properties.title ?? slug;
        const b = el('button', { type: 'button', class: 'open-project', 'data-slug': slug }, `${t('openProject')}: ${name}`);
        b.addEventListener('click', () => selectProject(slug));
        return b;
      });
  }

  function link(f: maplibregl.MapGeoJSONFeature, at: maplibregl.LngLat): void {
    const p = f.properties as Record<string, string | number>;
    const rule = state.rules.get(String(p.rule));
    const effect = String(p.effect);
    new maplibregl.Popup({ maxWidth: '340px' })
      .setLngLat(at)
      .setDOMContent(
        el(
          'div',
          { class: 'link-popup', 'data-rule': String(p.rule) },
          el('strong', { style: `color:${EFFECT_COLOUR[effect]}` }, `${t(effect)}: ${rule ? local(rule.title, rule.title_th) : p.rule}`),
          el('p', {}, `${p.from_name} ↔ ${p.to_name}, ${Math.round(Number(p.distance_m))} m`),
          el('p', { class: 'rationale' }, rule ? local(rule.rationale, rule.rationale_th) : ''),
          rule?.source ? el('p', { class: 'source' }, `${t('source')}: `, citedSources(rule.source, state.sources)) : null,
          ...openProjects(p),
        ),
      )
      .addTo(map);
  }

  return { feature, hex, link };
}
