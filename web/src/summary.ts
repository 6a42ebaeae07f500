// The city's Nexus drawn as pictures: a sector × sector heatmap per effect, and projects by
// sector and status as stacked bars. Plain SVG, with titles for screen readers and hover.

import type { Project, Summary } from './api';
import { EFFECT_COLOUR, SECTORS, STATUSES, sectorColour } from './colours';
import { el, svg } from './dom';
import { t, tf } from './i18n';

const CELL = 26;
const LABEL = 92;
/** Room under a heatmap for its column names, written at a slant so none is cut. */
const FOOT = 70;

/** Called with an effect and a pair of sectors when a heatmap cell is chosen. */
export type OnCell = (effect: string, a: string, b: string) => void;

function heatmap(s: Summary, effect: string, onCell?: OnCell): SVGElement {
  const m = s.matrix[effect] ?? [];
  const max = Math.max(1, ...m.flat());
  const n = s.sectors.length;
  const size = LABEL + n * CELL + 4;
  const g = svg('svg', {
    width: size,
    height: 18 + n * CELL + FOOT,
    viewBox: `0 0 ${size} ${18 + n * CELL + FOOT}`,
    role: 'img',
    class: 'heatmap',
    'data-effect': effect,
    'aria-label': `${t(effect)}: ${t('matrixTitle')}`,
  });
  // The title counts links; a cell counts a link in every pair of its two ends' sectors.
  g.append(svg('text', { x: 0, y: 12, class: 'chart-title', fill: EFFECT_COLOUR[effect] }, tf('linksCount', { effect: t(effect), n: s.links[effect] ?? 0 })));
  s.sectors.forEach((row, i) => {
    g.append(svg('text', { x: LABEL - 4, y: 18 + i * CELL + CELL / 2 + 4, 'text-anchor': 'end', class: 'axis' }, t(row)));
    s.sectors.forEach((col, j) => {
      const v = m[i]?.[j] ?? 0;
      const rect = svg('rect', {
        x: LABEL + j * CELL,
        y: 18 + i * CELL,
        width: CELL - 2,
        height: CELL - 2,
        fill: EFFECT_COLOUR[effect],
        'fill-opacity': v ? 0.15 + 0.85 * (v / max) : 0.04,
        'data-count': v,
        'data-row': row,
        'data-col': col,
      });
      rect.append(svg('title', {}, `${t(row)} × ${t(col)}: ${v}`));
      if (v && onCell) {
        // A cell with links shows them on the map.
        rect.classList.add('cell-link');
        rect.addEventListener('click', () => onCell(effect, row, col));
      }
      g.append(rect);
      if (v) {
        g.append(
          svg('text', { x: LABEL + j * CELL + (CELL - 2) / 2, y: 18 + i * CELL + CELL / 2 + 3, 'text-anchor': 'middle', class: v / max > 0.55 ? 'count light' : 'count' }, String(v)),
        );
      }
    });
  });
  s.sectors.forEach((col, j) => {
    const x = LABEL + j * CELL + CELL / 2;
    const y = 18 + n * CELL + 6;
    g.append(svg('text', { x, y, 'text-anchor': 'end', transform: `rotate(-40 ${x} ${y})`, class: 'axis' }, t(col)));
  });
  return g;
}

function bars(projects: Project[]): SVGElement {
  const rows = SECTORS.map((s) => ({
    sector: s,
    counts: STATUSES.map((st) => projects.filter((p) => p.sectors.includes(s) && p.status === st).length),
  }));
  const max = Math.max(1, ...rows.map((r) => r.counts.reduce((a, b) => a + b, 0)));
  const width = 470;
  const bar = 18;
  const h = 20 + rows.length * (bar + 6) + 24;
  const g = svg('svg', { width, height: h, viewBox: `0 0 ${width} ${h}`, role: 'img', class: 'bars', 'aria-label': t('projectsChart') });
  g.append(svg('text', { x: 0, y: 12, class: 'chart-title' }, t('projectsChart')));
  const opacity = [0.3, 0.55, 0.8, 1];
  rows.forEach((r, i) => {
    const y = 20 + i * (bar + 6);
    g.append(svg('text', { x: LABEL - 4, y: y + bar - 5, 'text-anchor': 'end', class: 'axis' }, t(r.sector)));
    let x = LABEL;
    r.counts.forEach((c, k) => {
      if (!c) return;
      const w = ((width - LABEL - 24) * c) / max;
      const rect = svg('rect', { x, y, width: w, height: bar, fill: sectorColour(r.sector), 'fill-opacity': opacity[k], 'data-status': STATUSES[k], 'data-count': c });
      rect.append(svg('title', {}, `${t(r.sector)} · ${t(STATUSES[k])}: ${c}`));
      g.append(rect);
      x += w;
    });
    const total = r.counts.reduce((a, b) => a + b, 0);
    g.append(svg('text', { x: x + 4, y: y + bar - 5, class: 'axis' }, String(total)));
  });
  const ly = 20 + rows.length * (bar + 6) + 12;
  STATUSES.forEach((st, k) => {
    const x = k * 115;
    g.append(svg('rect', { x, y: ly - 9, width: 10, height: 10, fill: '#555', 'fill-opacity': opacity[k] }));
    g.append(svg('text', { x: x + 13, y: ly, class: 'axis' }, t(st)));
  });
  return g;
}

/** The matrices as a table, for screen readers (the pictures are hidden from them). */
function table(s: Summary, effect: string): HTMLElement {
  const m = s.matrix[effect] ?? [];
  const head = el('tr', {}, el('th', {}, t(effect)), ...s.sectors.map((c) => el('th', { scope: 'col' }, t(c))));
  const rows = s.sectors.map((r, i) =>
    el('tr', {}, el('th', { scope: 'row' }, t(r)), ...s.sectors.map((_, j) => el('td', {}, String(m[i]?.[j] ?? 0)))),
  );
  return el('table', { class: 'visually-hidden' }, el('caption', {}, `${t(effect)}: ${t('matrixTitle')}`), head, ...rows);
}

export function renderSummary(box: HTMLElement, s: Summary | null, projects: Project[], onCell?: OnCell): void {
  if (!s) {
    box.replaceChildren(el('p', {}, t('chooseCity')));
    return;
  }
  const facts = el(
    'p',
    { class: 'facts' },
    `${s.project_count} ${t('projects').toLowerCase()} · ${s.cells} ${t('cells')} · ${s.max_sectors_in_a_cell} ${t('sectorsInCell')}`,
  );
  const pictures = [heatmap(s, 'synergy', onCell), heatmap(s, 'conflict', onCell), heatmap(s, 'constraint', onCell), bars(projects)];
  for (const p of pictures) p.setAttribute('aria-hidden', 'true');
  box.replaceChildren(
    el('div', { class: 'charts' }, ...pictures),
    ...['synergy', 'conflict', 'constraint'].map((e) => table(s, e)),
    el('p', { class: 'legend-note' }, t('matrixNote')),
    facts,
  );
}
