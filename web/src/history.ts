// Timelines of projects (on their card) and layers (in their info): every revision, who made
// it and when, what it changed or loaded; a publisher restores one (a new revision equal to
// it). Shown to the city's members only, as the server does: history holds drafts' content.

import * as api from './api';
import { mayPublish, mayView } from './access';
import { el, errorText } from './dom';
import { lang, t } from './i18n';

/** A revision as a timeline shows it. */
interface Entry {
  revision: number;
  at: string;
  actor_name: string;
  deleted: boolean;
  /** What it changed (projects) or loaded (layers). */
  detail: string;
  /** Whether it can be restored (a layer's old data may no longer be kept). */
  restorable: boolean;
}

function when(at: string): string {
  return new Date(at).toLocaleString(lang() === 'th' ? 'th-TH' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}


/** A folded timeline that loads when opened; `base` is the thing's API path. */
function timeline(
  ids: { panel: string; list: string; message: string },
  base: string,
  load: () => Promise<Entry[]>,
  canRestore: boolean,
  restored: () => Promise<void>,
): HTMLElement {
  const list = el('ol', { id: ids.list, class: 'history', reversed: '' });
  const said = el('p', { id: ids.message, 'aria-live': 'polite' });
  const panel = el('details', { id: ids.panel, class: 'history-panel' }, el('summary', {}, t('history')), list, said);
  const item = (r: Entry, current: boolean): HTMLElement => {
    const li = el(
      'li',
      { 'data-revision': String(r.revision) },
      el('strong', {}, `${t('revision')} ${r.revision}`),
      ` · ${when(r.at)} · ${r.actor_name}`,
      current ? el('em', {}, ` (${t('current')})`) : null,
      el('div', { class: 'changed' }, r.deleted ? t('deletedRevision') : r.detail),
    );
    if (!current && !r.deleted && r.restorable && canRestore) {
      const b = el('button', { type: 'button', class: 'history-restore' }, t('restore'));
      b.addEventListener('click', async () => {
        try {
          await api.sendJson('POST', `${base}/restore`, { revision: r.revision }, t('restore'));
          said.textContent = `${t('restored')}: ${t('revision')} ${r.revision}`;
          await restored();
        } catch (err) {
          said.textContent = errorText(err);
        }
      });
      li.append(b);
    }
    return li;
  };
  panel.addEventListener('toggle', async () => {
    if (!panel.open) return;
    try {
      const entries = await load();
      const last = entries[entries.length - 1]?.revision;
      list.replaceChildren(...[...entries].reverse().map((r) => item(r, r.revision === last)));
    } catch (err) {
      said.textContent = errorText(err);
    }
  });
  return panel;
}

interface ProjectRevision {
  revision: number;
  at: string;
  actor_name: string;
  deleted: boolean;
  changed: string[];
}

/** The history of project `slug` of `city`, or null for those who may not read it. */
export function historyPanel(slug: string, city: string, me: api.Me, restored: () => Promise<void>): HTMLElement | null {
  if (!mayView(me, city)) return null;
  const base = `/api/projects/${encodeURIComponent(slug)}`;
  const load = async (): Promise<Entry[]> =>
    (await api.getJson<{ revisions: ProjectRevision[] }>(`${base}/history`, t('history'))).revisions.map((r) => ({
      ...r,
      detail: r.changed.length ? `${t('changed')}: ${r.changed.map((f) => t(f)).join(', ')}` : t('created'),
      restorable: true,
    }));
  return timeline({ panel: 'card-history', list: 'history-list', message: 'history-message' }, base, load, mayPublish(me, city), restored);
}

interface LayerRevision {
  revision: number;
  at: string;
  actor_name: string;
  deleted: boolean;
  file_name: string | null;
  feature_count: number | null;
  restorable: boolean;
}

/** The history of layer `l`, or null for those who may not read it (layers without a city:
 *  site admins only). */
export function layerHistoryPanel(l: api.Layer, me: api.Me, restored: () => Promise<void>): HTMLElement | null {
  const city = l.city ?? '';
  if (!(city ? mayView(me, city) : me.legacy || me.user?.site_admin)) return null;
  const base = `/api/layers/${encodeURIComponent(l.id)}`;
  const load = async (): Promise<Entry[]> =>
    (await api.getJson<{ revisions: LayerRevision[] }>(`${base}/history`, t('history'))).revisions.map((r) => ({
      ...r,
      detail: [r.file_name, r.feature_count !== null ? `${r.feature_count.toLocaleString()} ${t('features')}` : null]
        .filter(Boolean)
        .join(' · '),
    }));
  const ids = { panel: `layer-history-${l.id}`, list: `layer-history-list-${l.id}`, message: `layer-history-message-${l.id}` };
  const canRestore = city ? mayPublish(me, city) : Boolean(me.legacy || me.user?.site_admin);
  return timeline(ids, base, load, canRestore, restored);
}
