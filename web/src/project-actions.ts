// A published project taken back to a draft, and a project deleted (softly: it leaves the map
// and every download, and a publisher can restore it from its history or the trash): the
// card's controls for the city's publishers, who are the ones the server lets do either.

import * as api from './api';
import { mayPublish, mayPublishSomewhere } from './access';
import { el, errorText } from './dom';
import { t } from './i18n';

type Stored = GeoJSON.FeatureCollection<GeoJSON.Geometry | null, api.Project>;

async function withdraw(p: api.Project): Promise<void> {
  const now = await api.getJson<Stored>(`/collections/projects/items?slug=${encodeURIComponent(p.slug)}`, t('withdraw'));
  const f = now.features[0];
  if (!f) throw new Error(`${t('withdraw')}: ${p.slug}`);
  const revision = f.properties.revision;
  const properties: Record<string, unknown> = { ...f.properties, visibility: 'draft' };
  for (const k of api.SERVER_ONLY) delete properties[k];
  // Someone else's change in between is refused (412), not overwritten.
  await api.sendJson('PUT', `/api/projects/${encodeURIComponent(p.slug)}`, { type: 'Feature', geometry: f.geometry, properties },
    t('withdraw'), revision === undefined ? {} : { 'if-match': `"${revision}"` });
}

/** The card's withdraw and delete buttons for `p`, or null when `me` may do neither. */
export function projectActions(p: api.Project, me: api.Me, done: () => Promise<void>): HTMLElement | null {
  if (!mayPublish(me, p.city)) return null;
  const said = el('p', { id: 'card-actions-message', 'aria-live': 'polite' });
  const act = (button: HTMLElement, run: () => Promise<void>, doneText: string) =>
    button.addEventListener('click', async () => {
      try {
        await run();
      } catch (err) {
        said.textContent = errorText(err);
        return;
      }
      await done();
      // The card was drawn again for the changed project: its message line is a new one.
      (document.getElementById('card-actions-message') ?? said).textContent = doneText;
    });
  const buttons: HTMLElement[] = [];
  if (p.visibility === 'public') {
    const back = el('button', { type: 'button', id: 'card-withdraw', title: t('withdrawHint') }, t('withdraw'));
    act(back, () => withdraw(p), t('withdrawn'));
    buttons.push(back);
  }
  const remove = el('button', { type: 'button', id: 'card-delete', class: 'danger', title: t('deleteHint') }, t('deleteProject'));
  act(remove, async () => {
    if (!window.confirm(`${t('deleteProject')}: ${p.title}?`)) throw new Error(t('kept'));
    await api.sendJson('DELETE', `/api/projects/${encodeURIComponent(p.slug)}`, undefined, t('deleteProject'));
  }, t('deletedProject'));
  buttons.push(remove);
  return el('div', { class: 'card-actions' }, el('div', { class: 'row' }, ...buttons), said);
}

interface Deleted {
  slug: string;
  revision: number;
  city: string;
  title: string | null;
  deleted_at: string;
  actor_name: string;
}

/** The deleted projects `me` may bring back, folded until opened; each restores the last
 *  revision it had before it was deleted. Null for those who may restore nothing. */
export function trashPanel(me: api.Me, restored: () => Promise<void>): HTMLElement | null {
  if (!mayPublishSomewhere(me)) return null;
  const list = el('ul', { id: 'trash-list', class: 'trash' });
  const said = el('p', { id: 'trash-message', 'aria-live': 'polite' });
  const panel = el('details', { id: 'trash', class: 'history-panel' }, el('summary', {}, t('deletedProjects')), list, said);
  const load = async () => {
    try {
      const { projects } = await api.getJson<{ projects: Deleted[] }>('/api/trash', t('deletedProjects'));
      list.replaceChildren(...projects.map((d) => {
        const back = el('button', { type: 'button', class: 'trash-restore', 'data-slug': d.slug }, t('restore'));
        back.addEventListener('click', async () => {
          try {
            await api.sendJson('POST', `/api/projects/${encodeURIComponent(d.slug)}/restore`, { revision: d.revision - 1 }, t('restore'));
            // Said once the map has it back, so what the message promises can be opened.
            await restored();
            await load();
            said.textContent = `${t('restored')}: ${d.title ?? d.slug}`;
          } catch (err) {
            said.textContent = errorText(err);
          }
        });
        return el('li', { 'data-slug': d.slug }, el('strong', {}, d.title ?? d.slug), ` · ${d.actor_name} `, back);
      }));
      if (!projects.length) said.textContent = t('nothingDeleted');
    } catch (err) {
      said.textContent = errorText(err);
    }
  };
  panel.addEventListener('toggle', () => {
    if ((panel as HTMLDetailsElement).open) void load();
  });
  return panel;
}
