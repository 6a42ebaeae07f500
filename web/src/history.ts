// A project's timeline on its card: every revision, who made it and when, which fields it
// changed; a publisher restores one (a new revision equal to it). Shown to the city's members
// only, as the server does: history holds drafts' content.

import * as api from './api';
import { mayPublish, mayView } from './access';
import { el } from './dom';
import { lang, t } from './i18n';

interface Revision {
  revision: number;
  at: string;
  actor_name: string;
  deleted: boolean;
  changed: string[];
}

function when(at: string): string {
  return new Date(at).toLocaleString(lang() === 'th' ? 'th-TH' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

/** The history panel of project `slug` of `city`, or null for those who may not read it. */
export function historyPanel(slug: string, city: string, me: api.Me, restored: () => Promise<void>): HTMLElement | null {
  if (!mayView(me, city)) return null;
  const list = el('ol', { id: 'history-list', class: 'history', reversed: '' });
  const said = el('p', { id: 'history-message', 'aria-live': 'polite' });
  const panel = el('details', { id: 'card-history' }, el('summary', {}, t('history')), list, said);
  const path = `/api/projects/${encodeURIComponent(slug)}`;

  function item(r: Revision, current: boolean): HTMLElement {
    const what = r.deleted
      ? t('deletedRevision')
      : r.changed.length
        ? `${t('changed')}: ${r.changed.map((f) => t(f)).join(', ')}`
        : t('created');
    const li = el(
      'li',
      { 'data-revision': String(r.revision) },
      el('strong', {}, `${t('revision')} ${r.revision}`),
      ` · ${when(r.at)} · ${r.actor_name}`,
      current ? el('em', {}, ` (${t('current')})`) : null,
      el('div', { class: 'changed' }, what),
    );
    if (!current && !r.deleted && mayPublish(me, city)) {
      const b = el('button', { type: 'button', class: 'history-restore' }, t('restore'));
      b.addEventListener('click', async () => {
        try {
          await api.sendJson('POST', `${path}/restore`, { revision: r.revision }, t('restore'));
          said.textContent = `${t('restored')}: ${t('revision')} ${r.revision}`;
          said.dataset.restored = String(r.revision);
          await restored();
        } catch (err) {
          said.textContent = String(err instanceof Error ? err.message : err);
        }
      });
      li.append(b);
    }
    return li;
  }

  panel.addEventListener('toggle', async () => {
    if (!panel.open) return;
    try {
      const h = await api.getJson<{ revisions: Revision[] }>(`${path}/history`, t('history'));
      const last = h.revisions[h.revisions.length - 1]?.revision;
      list.replaceChildren(...[...h.revisions].reverse().map((r) => item(r, r.revision === last)));
    } catch (err) {
      said.textContent = String(err instanceof Error ? err.message : err);
    }
  });
  return panel;
}
