// The Nexus overlays on the map: links and intensity hexagons switched on and off, their
// legend, and the links of one cell of the city summary shown alone.

import type * as maplibregl from 'maplibre-gl';
import { EFFECT_COLOUR, HEX_RAMP } from './colours';
import { byId, el } from './dom';
import { t, tf } from './i18n';
import type { AtlasState } from './state';
import { hexLayers, linkLayers, linkPairFilter } from './style';

export interface NexusOverlays {
  /** Shows only the links of `effect` between sectors `a` and `b`, switching links on. */
  showPair(effect: string, a: string, b: string): void;
  renderNexusLegend(): void;
  setOverlay(which: 'links' | 'hex', on: boolean): void;
}

export function setupNexusOverlays(map: maplibregl.Map, state: AtlasState, saveView: () => void): NexusOverlays {
  function showPair(effect: string, a: string, b: string): void {
    state.linkPair = [effect, a, b];
    byId<HTMLInputElement>('toggle-links').checked = true;
    setOverlay('links', true);
  }

  function applyLinkPair(): void {
    for (const spec of linkLayers(true)) {
      if (!map.getLayer(spec.id)) continue;
      const base = (spec as { filter?: unknown }).filter;
      const extra = state.linkPair ? linkPairFilter(...state.linkPair) : null;
      map.setFilter(spec.id, (extra ? ['all', base, extra] : base) as maplibregl.FilterSpecification);
    }
  }

  function renderNexusLegend(): void {
    const box = byId('nexus-legend');
    box.replaceChildren();
    applyLinkPair();
    if (state.linkPair && state.view.nexus.includes('links')) {
      const [effect, a, b] = state.linkPair;
      const all = el('button', { type: 'button', id: 'links-show-all' }, t('showAll'));
      all.addEventListener('click', () => {
        state.linkPair = null;
        renderNexusLegend();
      });
      box.append(el('p', { id: 'links-pair', class: 'legend-note' }, tf('showingLinks', { effect: t(effect), a: t(a), b: t(b) }), ' ', all));
    }
    if (state.view.nexus.includes('links')) {
      for (const effect of ['synergy', 'conflict', 'constraint']) {
        box.append(
          el('div', { class: 'legend-row' }, el('span', { class: `swatch link ${effect}`, style: `--c:${EFFECT_COLOUR[effect]}` }), t(effect)),
        );
      }
    }
    if (state.view.nexus.includes('hex')) {
      const ramp = el('div', { class: 'legend-row ramp' });
      HEX_RAMP.forEach((c, i) => ramp.append(el('span', { class: 'swatch polygon', style: `--c:${c}` }), `${i + 1}`));
      box.append(ramp, el('div', { class: 'legend-note' }, `${t('sectorsInCell')}`));
    }
  }

  function setOverlay(which: 'links' | 'hex', on: boolean): void {
    state.view.nexus = on ? [...new Set([...state.view.nexus, which])] : state.view.nexus.filter((x) => x !== which);
    const ids = which === 'links' ? linkLayers(false).map((l) => l.id) : hexLayers(false).map((l) => l.id);
    for (const id of ids) map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
    renderNexusLegend();
    saveView();
  }

  return { showPair, renderNexusLegend, setOverlay };
}
