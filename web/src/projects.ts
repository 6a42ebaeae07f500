// The project list beside the map (filtered by sector, status and Nexus dimension) and the
// project card with its Nexus profile.

import * as api from './api';
import type { Project } from './api';
import { DIMENSIONS, EFFECT_COLOUR, EFFECTS, SECTORS, STATUSES, sectorColour } from './colours';
import { byId, downloads, el } from './dom';
import { lang, local, t } from './i18n';
import type { RuleSource } from './api';
import { citedSources } from './sources';

export type ProjectFeature = GeoJSON.Feature<GeoJSON.Geometry | null, Project>;

export interface Filters {
  sector: string;
  status: string;
  dimension: string;
}

export function filters(): Filters {
  return {
    sector: byId<HTMLSelectElement>('f-sector').value,
    status: byId<HTMLSelectElement>('f-status').value,
    dimension: byId<HTMLSelectElement>('f-dimension').value,
  };
}

export function fillFilterOptions(): void {
  const fill = (id: string, values: readonly string[]) => {
    const s = byId<HTMLSelectElement>(id);
    const was = s.value;
    s.replaceChildren(el('option', { value: '' }, t('any')), ...values.map((v) => el('option', { value: v }, t(v))));
    s.value = was;
  };
  fill('f-sector', SECTORS);
  fill('f-status', STATUSES);
  fill('f-dimension', DIMENSIONS);
}

export function matches(p: Project, city: string, f: Filters): boolean {
  return (
    (!city || p.city === city) &&
    (!f.sector || p.sectors.some((s) => s === f.sector)) &&
    (!f.status || p.status === f.status) &&
    (!f.dimension || p.dimensions.some((d) => d === f.dimension))
  );
}

export function chips(values: string[], colour: (v: string) => string | null): HTMLElement {
  const box = el('span', { class: 'chips' });
  for (const v of values) {
    const c = colour(v);
    box.append(el('span', { class: 'chip-label', style: c ? `--c:${c}` : '' }, t(v)));
  }
  return box;
}

/** Public indicators: a project past its end date and not completed is running late. */
function late(p: Project): boolean {
  return !!p.end_date && p.status !== 'completed' && p.end_date < new Date().toISOString().slice(0, 10);
}

function title(p: Project): string {
  return lang() === 'th' && p.title_local ? p.title_local : p.title;
}

export function renderList(
  projects: ProjectFeature[],
  city: string,
  selected: string,
  onSelect: (slug: string) => void,
  cityName: (slug: string) => string = (slug) => slug,
): void {
  const f = filters();
  const shown = projects.filter((p) => matches(p.properties, city, f));
  byId('project-count').textContent = String(shown.length);
  const list = byId('project-list');
  list.replaceChildren();
  for (const p of shown) {
    const pr = p.properties;
    const button = el(
      'button',
      { type: 'button', class: 'project-item', 'data-slug': pr.slug, 'aria-current': String(pr.slug === selected) },
      el('span', { class: 'project-title' }, title(pr)),
      el('span', { class: 'project-city' }, cityName(pr.city)),
      pr.visibility === 'draft' ? el('em', { class: 'draft' }, t('draft')) : null,
      chips(pr.sectors, sectorColour),
      el('span', { class: `status status-${pr.status}` }, t(pr.status), late(pr) ? el('strong', { class: 'late' }, ` · ${t('late')}`) : null),
    );
    button.addEventListener('click', () => onSelect(pr.slug));
    list.append(el('li', {}, button));
  }
  const q = new URLSearchParams();
  if (city) q.set('city', city);
  for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
  const query = q.toString() ? `?${q}` : '';
  byId('project-downloads').replaceChildren(
    el('span', { class: 'dl-title' }, `${t('download')} (${t('filtered')}):`),
    downloads('projects', query),
  );
}

function money(p: Project): string | null {
  if (p.budget === null || p.budget === undefined) return null;
  try {
    return new Intl.NumberFormat(lang() === 'th' ? 'th-TH' : 'en-GB', {
      style: 'currency',
      currency: p.currency ?? 'USD',
      maximumFractionDigits: 0,
    }).format(p.budget);
  } catch {
    return `${p.budget.toLocaleString()} ${p.currency ?? ''}`;
  }
}

/** Opens the card of `p` and fills in its Nexus profile when it arrives. */
export async function showCard(
  p: Project,
  onClose: () => void,
  onEdit?: () => void,
  sources: Record<string, RuleSource> = {},
  history: HTMLElement | null = null,
  actions: HTMLElement | null = null,
  comments: HTMLElement | null = null,
): Promise<void> {
  const card = byId('card');
  const close = el('button', { type: 'button', class: 'close', 'aria-label': t('close') }, '×');
  close.addEventListener('click', onClose);
  const editButton = onEdit ? el('button', { type: 'button', id: 'card-edit' }, t('edit')) : null;
  editButton?.addEventListener('click', onEdit!);
  const facts = el('dl');
  const add = (k: string, v: string | null | undefined) => {
    if (v) facts.append(el('dt', {}, k), el('dd', {}, v));
  };
  add(t('status'), late(p) ? `${t(p.status)} · ${t('late')}` : t(p.status));
  add(t('budget'), money(p));
  add(t('dates'), [p.start_date, p.end_date].filter(Boolean).join(' – ') || null);
  add(t('partners'), p.partners.join(', ') || null);
  const source = p.source
    ? el('p', { class: 'source' }, `${t('source')}: `, sourceLink(p.source))
    : null;
  const profile = el('div', { class: 'profile', 'aria-busy': 'true', 'aria-live': 'polite' }, t('loading'));
  card.replaceChildren(
    ...([
    close,
    // The page's language first, the other title beneath.
    el('h2', { class: 'card-title' }, title(p)),
    p.title_local ? el('p', { class: 'title-local', lang: lang() === 'th' ? 'en' : 'th' }, lang() === 'th' ? p.title : p.title_local) : null,
    p.visibility === 'draft' ? el('p', { class: 'draft' }, t('draft')) : null,
    chips(p.sectors, sectorColour),
    chips(p.dimensions, () => null),
    el('p', { class: 'description' }, (lang() === 'th' && p.description_local) || p.description || ''),
    facts,
    p.approximate ? el('p', { class: 'note' }, t('approximate')) : null,
    source,
    // The printable A4 sheet, in the page's language (served by the server, no script).
    el('p', { class: 'sheet-link' },
      el('a', { href: `/projects/${encodeURIComponent(p.slug)}/sheet?lang=${lang()}`, target: '_blank', rel: 'noopener', 'data-action': 'print-sheet' }, t('printSheet')),
      ' · ',
      // A link whose page carries the share card (title, description, map picture) chat apps show.
      el('a', { href: `/projects/${encodeURIComponent(p.slug)}`, target: '_blank', rel: 'noopener', 'data-action': 'share-card' }, t('shareCard'))),
    editButton,
    actions,
    history,
    el('h3', {}, t('nexusProfile')),
    profile,
    comments,
    ].filter((x): x is HTMLElement => x !== null)),
  );
  card.dataset.slug = p.slug;
  card.hidden = false;
  card.setAttribute('aria-label', p.title);
  card.onkeydown = (e) => {
    if (e.key === 'Escape') onClose();
  };
  card.focus();
  try {
    const prof = await api.profile(p.slug);
    if (card.dataset.slug !== p.slug) return;
    profile.replaceChildren(...renderProfile(prof, sources));
  } catch (e) {
    profile.replaceChildren(el('p', { class: 'error' }, String(e)));
  }
  profile.setAttribute('aria-busy', 'false');
}

/** A source as text, its web addresses (`https://…` or `host.tld/…`, split on `;`) as links. */
export function sourceLink(source: string): Node {
  const out = document.createDocumentFragment();
  source.split(';').forEach((part, i) => {
    if (i) out.append('; ');
    const text = part.trim();
    const address = text.split(/\s+/)[0] ?? '';
    const url = /^https?:\/\/\S+$/.test(address)
      ? address
      : /^[a-z0-9.-]+\.[a-z]{2,}\/\S*$/i.test(address)
        ? `https://${address}`
        : null;
    if (!url) return void out.append(text);
    out.append(el('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, address), text.slice(address.length));
  });
  return out;
}

function renderProfile(prof: api.Profile, sources: Record<string, RuleSource>): Node[] {
  const out: Node[] = [];
  if (prof.touches.length) {
    out.push(
      el('p', {}, `${t('touches')}: `, ...prof.touches.map((x, i) => `${i ? ', ' : ''}${x.title} (${x.features})`)),
    );
  }
  if (!prof.links.length) {
    out.push(el('p', {}, t('noLinks')));
    return out;
  }
  for (const effect of EFFECTS) {
    const links = prof.links.filter((l) => l.properties?.effect === effect);
    if (!links.length) continue;
    const ul = el('ul', { class: 'links' });
    for (const l of links) {
      const p = l.properties as Record<string, string | number>;
      const other = p.from_ref === `project:${prof.slug}` ? p.to_name : p.from_name;
      ul.append(
        linkItem(p, String(other ?? ''), el('strong', {}, local(String(p.title ?? p.rule), p.title_th as string | undefined)), sources),
      );
    }
    out.push(el('h4', { style: `color:${EFFECT_COLOUR[effect]}` }, `${t(effect)} (${links.length})`), ul);
  }
  return out;
}

/** One link as a list item: its rule, the other end and the distance, the rationale, and the
 *  sources it rests on (as linked titles, when `sources` says what its marks stand for). */
export function linkItem(
  p: Record<string, string | number>,
  other: string,
  heading: HTMLElement,
  sources: Record<string, RuleSource> = {},
): HTMLElement {
  return el(
    'li',
    { 'data-rule': String(p.rule), 'data-effect': String(p.effect) },
    heading,
    ` — ${other}, ${Math.round(Number(p.distance_m))} m`,
    el('br'),
    el('span', { class: 'rationale' }, local(String(p.rationale ?? ''), p.rationale_th as string | undefined)),
    p.source ? el('span', { class: 'source' }, ' ', citedSources(String(p.source), sources)) : null,
  );
}
