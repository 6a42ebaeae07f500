// The programme's showcased solutions (`GET /api/solutions`): kinds of work the cities showed,
// listed under the projects and found by the search. One opens in the card with its source
// and the projects doing it; one no source ties to a city says so and has no place on the map.

import { getJson } from './api';
import { byId, el } from './dom';
import { lang, t } from './i18n';
import { sectorColour } from './colours';
import { chips, sourceLink } from './projects';

export interface Solution {
  slug: string;
  title: string;
  title_local: string | null;
  description: string;
  sectors: string[];
  source: string;
  note: string | null;
  projects: { slug: string; title: string; city: string }[];
}

let known: Solution[] = [];

const title = (s: Solution) => (lang() === 'th' && s.title_local) || s.title;

/** Opens solution `s` in the card; a project of it opens through `openProject`. */
export function showSolution(s: Solution, openProject: (slug: string) => void, onClose: () => void): void {
  const card = byId('card');
  const close = el('button', { type: 'button', class: 'close', 'aria-label': t('close') }, '×');
  close.addEventListener('click', onClose);
  const projects = el('ul', { class: 'solution-projects' });
  for (const p of s.projects) {
    const b = el('button', { type: 'button', class: 'link', 'data-slug': p.slug }, p.title);
    b.addEventListener('click', () => openProject(p.slug));
    projects.append(el('li', {}, b));
  }
  card.replaceChildren(
    close,
    el('h2', { class: 'card-title' }, title(s)),
    s.title_local ? el('p', { class: 'title-local' }, lang() === 'th' ? s.title : s.title_local) : '',
    el('p', { class: 'draft' }, t('solution')),
    chips(s.sectors, sectorColour),
    el('p', { class: 'description' }, s.description),
    s.note ? el('p', { class: 'note' }, s.note) : '',
    el('p', { class: 'source' }, `${t('source')}: `, sourceLink(s.source)),
    s.projects.length ? el('h3', {}, t('doneIn')) : el('p', { class: 'note' }, t('noCityNamed')),
    s.projects.length ? projects : '',
  );
  card.dataset.slug = `solution:${s.slug}`;
  card.hidden = false;
  card.setAttribute('aria-label', s.title);
  card.focus();
}

/** Reads the solutions and lists them; `open` opens one by its slug. */
export async function listSolutions(open: (slug: string) => void): Promise<void> {
  known = (await getJson<{ solutions: Solution[] }>('/api/solutions', t('solutions'))).solutions;
  byId('solution-list').replaceChildren(
    ...known.map((s) => {
      const b = el('button', { type: 'button', class: 'project-item', 'data-solution': s.slug },
        el('strong', {}, title(s)), el('small', { class: 'project-city' }, s.projects.length ? `${s.projects.length} ${t('projects').toLowerCase()}` : t('noCityNamed')));
      b.addEventListener('click', () => open(s.slug));
      return el('li', {}, b);
    }),
  );
}

/** A solution already read, by slug. */
export function solutionOf(slug: string): Solution | undefined {
  return known.find((s) => s.slug === slug);
}
