// What a signed-in person manages from the workbench: their own tokens; a city admin's
// members and the city's audit trail. The server decides every request; these forms are
// shown to those it would allow.

import * as api from './api';
import { mayAdminister } from './access';
import { el, errorText, field } from './dom';
import { t } from './i18n';
import { ROLES } from './vocab.gen';

interface Member {
  email: string;
  name: string;
  roles: { city: string; role: string }[];
  disabled: boolean;
}

interface TokenRow {
  id: number;
  name: string;
  expires_at: string | null;
  last_used: string | null;
  revoked_at: string | null;
}

interface AuditRow {
  at: string;
  actor_name: string;
  action: string;
  target_id: string | null;
  summary: string;
}



/** A folded section whose body is (re)made each time it opens. */
function section(id: string, title: string, fill: (body: HTMLElement) => Promise<void>): HTMLElement {
  const body = el('div', { class: 'admin-body' });
  const d = el('details', { id, class: 'admin' }, el('summary', {}, title), body);
  d.addEventListener('toggle', () => {
    if (d.open) void fill(body).catch((e: unknown) => body.replaceChildren(el('p', { class: 'error' }, errorText(e))));
  });
  return d;
}

/** The city's members, and a form to add one (a new account gets an initial password). */
function people(city: string, cityName: string): HTMLElement {
  const base = `/api/cities/${encodeURIComponent(city)}/members`;
  const fill = async (body: HTMLElement): Promise<void> => {
    const { members } = await api.getJson<{ members: Member[] }>(base, t('people'));
    const list = el('ul', { id: 'member-list' }, ...members.map((m) => {
      const role = m.roles.find((r) => r.city === city)?.role ?? '';
      return el('li', { 'data-email': m.email }, `${m.name} · ${m.email} · ${t(`role_${role}`)}`);
    }));
    const email = el('input', { id: 'member-email', type: 'email', required: '' });
    const name = el('input', { id: 'member-name' });
    const role = el('select', { id: 'member-role' }, ...ROLES.map((r) => el('option', { value: r }, t(`role_${r}`))));
    const password = el('input', { id: 'member-password', type: 'password', autocomplete: 'new-password' });
    const said = el('p', { id: 'member-message', 'aria-live': 'polite' });
    const form = el('form', { id: 'member-form' }, field(t('email'), email), field(t('name'), name), field(t('role'), role),
      field(t('initialPassword'), password), el('button', { type: 'submit', id: 'member-add' }, t('addMember')), said);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const who = email.value.trim();
      // Someone without an account yet gets one (with the initial password), with this role only.
      const member = password.value
        ? { role: role.value, name: name.value || null, password: password.value }
        : { role: role.value };
      try {
        await api.sendJson('PUT', `${base}/${encodeURIComponent(who)}`, member, t('addMember'));
        await fill(body);
      } catch (err) {
        said.textContent = errorText(err);
      }
    });
    body.replaceChildren(list, form);
  };
  return section('admin-people', `${t('people')}: ${cityName}`, fill);
}

/** One's personal API tokens: made (shown once), listed, revoked. */
function tokens(): HTMLElement {
  const fill = async (body: HTMLElement): Promise<void> => {
    const { tokens: rows } = await api.getJson<{ tokens: TokenRow[] }>('/api/tokens', t('tokens'));
    const list = el('ul', { id: 'token-list' }, ...rows.map((r) => {
      const li = el('li', {}, `${r.name}${r.revoked_at ? ` · ${t('revoked')}` : ''}`);
      if (!r.revoked_at) {
        const b = el('button', { type: 'button', class: 'token-revoke' }, t('revoke'));
        b.addEventListener('click', async () => {
          await api.sendJson('DELETE', `/api/tokens/${r.id}`, null, t('revoke')).catch(() => undefined);
          await fill(body);
        });
        li.append(' ', b);
      }
      return li;
    }));
    const name = el('input', { id: 'token-name', required: '' });
    const days = el('input', { id: 'token-days', type: 'number', min: '1', max: '3650', value: '90' });
    const shown = el('p', { id: 'token-new', 'aria-live': 'polite' });
    const form = el('form', {}, field(t('name'), name), field(t('days'), days),
      el('button', { type: 'submit', id: 'token-create' }, t('newToken')), shown);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const made = await api.sendJson<{ token: string }>('POST', '/api/tokens',
          { name: name.value, expires_days: Number(days.value) || null }, t('newToken'));
        await fill(body);
        body.append(el('p', { id: 'token-new' }, `${t('tokenShownOnce')} `, el('code', {}, made.token)));
      } catch (err) {
        shown.textContent = errorText(err);
      }
    });
    body.replaceChildren(list, form);
  };
  return section('admin-tokens', t('tokens'), fill);
}

/** The audit trail (a city's, or everything for a site admin), newest first, by action. */
function audit(city: string | null): HTMLElement {
  const fill = async (body: HTMLElement): Promise<void> => {
    const action = el('input', { id: 'audit-action', placeholder: 'project' });
    const rows = el('ul', { id: 'audit-rows', class: 'audit' });
    const load = async (): Promise<void> => {
      const q = new URLSearchParams({ limit: '50' });
      if (city) q.set('city', city);
      if (action.value.trim()) q.set('action', action.value.trim());
      const { rows: found } = await api.getJson<{ rows: AuditRow[] }>(`/api/audit?${q}`, t('audit'));
      rows.replaceChildren(...found.map((r) =>
        el('li', {}, `${new Date(r.at).toLocaleString()} · ${r.actor_name} · ${r.action} · ${r.target_id ?? ''} ${r.summary}`)));
    };
    action.addEventListener('change', () => void load());
    body.replaceChildren(field(t('action'), action), rows);
    await load();
  };
  return section('admin-audit', t('audit'), fill);
}

/** The sections this person may use, for the city on the map. */
export function adminSections(me: api.Me, city: string, cityName: (slug: string) => string): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (me.user) out.push(tokens());
  if (city && mayAdminister(me, city)) out.push(people(city, cityName(city)), audit(city));
  else if (!city && (me.legacy || me.user?.site_admin)) out.push(audit(null));
  return out;
}
