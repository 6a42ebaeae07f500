// The layer panel: catalog layers grouped by sector, each with a toggle, a swatch that matches
// its styling, and an info popover (title, source, licence, revision, count, downloads).

import type { Layer } from './api';
import { SECTORS, sectorColour } from './colours';
import { downloads, el } from './dom';
import { local, t } from './i18n';

/** A layer's title in the page's language (its local title when shown in Thai). */
export function layerTitle(l: Layer): string {
  return local(l.title, l.title_local);
}

export function renderLayers(
  box: HTMLElement,
  layers: Layer[],
  visible: Set<string>,
  onToggle: (id: string, on: boolean) => void,
  history: (l: Layer) => HTMLElement | null = () => null,
): void {
  box.replaceChildren();
  const groups = new Map<string, Layer[]>();
  for (const l of layers) {
    const s = l.basemap ? 'basemap' : (l.sectors[0] ?? 'other');
    groups.set(s, [...(groups.get(s) ?? []), l]);
  }
  for (const sector of [...SECTORS, 'other', 'basemap']) {
    const group = groups.get(sector);
    if (!group?.length) continue;
    // The base map is context: its group starts folded.
    const details = el('details', sector === 'basemap' ? { class: 'layer-group' } : { class: 'layer-group', open: '' });
    details.append(
      el('summary', {}, el('span', { class: 'chip', style: `background:${sectorColour(sector)}` }), t(sector)),
    );
    for (const l of group.sort((a, b) => layerTitle(a).localeCompare(layerTitle(b)))) {
      const id = `layer-${l.id}`;
      const input = el('input', { type: 'checkbox', id, 'data-layer': l.id });
      input.checked = visible.has(l.id);
      input.addEventListener('change', () => onToggle(l.id, input.checked));
      const info = el('button', { type: 'button', class: 'info', 'aria-label': `${t('info')}: ${layerTitle(l)}`, 'aria-expanded': 'false' }, 'i');
      const pop = layerInfo(l, history(l));
      pop.hidden = true;
      info.addEventListener('click', () => {
        pop.hidden = !pop.hidden;
        info.setAttribute('aria-expanded', String(!pop.hidden));
      });
      details.append(
        el(
          'div',
          { class: 'layer-row' },
          input,
          el('label', { for: id }, swatch(l), layerTitle(l), l.visibility === 'draft' ? el('em', {}, ` (${t('draft')})`) : null),
          info,
        ),
        pop,
      );
    }
    box.append(details);
  }
}

function swatch(l: Layer): HTMLElement {
  const c = sectorColour(l.sectors[0]);
  const cls = l.kind === 'heritage_zone' ? 'swatch hatch' : `swatch ${l.geometry_type ?? 'polygon'}`;
  return el('span', { class: cls, style: `--c:${l.kind === 'boundary' ? '#7b8794' : l.kind === 'road' ? '#a3acb5' : c}`, 'aria-hidden': 'true' });
}

function layerInfo(l: Layer, history: HTMLElement | null): HTMLElement {
  const updated = new Date(l.updated_at).toLocaleDateString();
  const rows: [string, string][] = [
    [t('source'), l.source ?? '—'],
    [t('licence'), l.licence ?? '—'],
    [t('revision'), `${l.revision} · ${t('updated')} ${updated}`],
    [t('features'), l.feature_count.toLocaleString()],
  ];
  const dl = el('dl');
  for (const [k, v] of rows) dl.append(el('dt', {}, k), el('dd', {}, v));
  return el(
    'div',
    { class: 'layer-info', 'data-info': l.id },
    l.description ? el('p', {}, l.description) : null,
    l.approximate ? el('p', { class: 'note' }, t('approximate')) : null,
    dl,
    el('div', { class: 'dl-title' }, t('download')),
    downloads(l.id),
    history,
  );
}

/** The legend: one entry per visible layer, drawn as the map draws it. */
export function renderLegend(box: HTMLElement, layers: Layer[], visible: Set<string>): void {
  box.replaceChildren();
  for (const l of layers.filter((l) => visible.has(l.id) && !l.basemap)) {
    box.append(el('div', { class: 'legend-row' }, swatch(l), layerTitle(l)));
  }
}
