// Search on the server (`GET /api/search`): places (named features of the atlas's layers),
// projects in both languages, layers and cities, the chosen city's first, listed to pick
// from as one types; Enter takes the first.

import * as api from './api';
import { byId, el } from './dom';
import { t } from './i18n';

export interface SearchHooks {
  /** The city being looked at ('' for the overview). */
  city: () => string;
  /** Goes to what was picked. */
  pick: (hit: api.SearchHit) => void;
}

/** What a query needs to be worth asking: a letter or a digit, in any script. */
const WORDY = /[\p{L}\p{N}]/u;
/** Waits this long after the last key before asking the server. */
const TYPING_MS = 200;

export function setupSearch(h: SearchHooks): void {
  const input = byId<HTMLInputElement>('search');
  const list = byId<HTMLUListElement>('search-results');
  input.setAttribute('aria-controls', 'search-results');
  input.setAttribute('aria-autocomplete', 'list');
  let shown: { q: string; hits: api.SearchHit[] } = { q: '', hits: [] };
  let timer = 0;
  let asked = 0;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
  };

  const choose = (hit: api.SearchHit) => {
    close();
    h.pick(hit);
  };

  const render = () => {
    const items = shown.hits.map((hit) => {
      const where = [hit.title_local, hit.layer_title ?? t(hit.type), hit.city].filter(Boolean).join(' · ');
      const b = el('button', { type: 'button', 'data-type': hit.type, 'data-id': hit.id }, el('span', {}, hit.title), el('small', {}, where));
      b.addEventListener('click', () => choose(hit));
      return el('li', { role: 'option' }, b);
    });
    list.replaceChildren(...(items.length ? items : [el('li', { class: 'none' }, t('noResults'))]));
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  };

  const ask = async (q: string): Promise<api.SearchHit[]> => {
    const n = ++asked;
    const hits = await api.search(q, h.city());
    // An answer to an older question does not replace a newer one.
    if (n === asked) {
      shown = { q, hits };
      render();
    }
    return hits;
  };

  input.addEventListener('input', () => {
    window.clearTimeout(timer);
    const q = input.value.trim();
    if (!WORDY.test(q)) return close();
    timer = window.setTimeout(() => void ask(q).catch(close), TYPING_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') close();
    if (e.key === 'ArrowDown' && !list.hidden) list.querySelector<HTMLButtonElement>('button')?.focus();
  });
  list.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      close();
      input.focus();
    }
  });
  byId('search-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    window.clearTimeout(timer);
    const q = input.value.trim();
    if (!WORDY.test(q)) return;
    const hits = q === shown.q ? shown.hits : await ask(q).catch(() => []);
    if (hits.length) choose(hits[0]);
    else byId('status').textContent = `“${q}”: ${t('noResults')}`;
  });
}
