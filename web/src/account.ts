// Signing in on the map: email and password (the session cookie), or a personal or legacy
// token for those who have one; once signed in, who the page acts as, in words, and signing out.

import * as api from './api';
import { describe } from './access';
import { el, errorText, field } from './dom';
import { t } from './i18n';

export interface AccountHooks {
  me: () => api.Me;
  cityName: (slug: string) => string;
  /** After signing in or out: the page reads who it is and its data again. */
  changed: (me: api.Me) => Promise<void>;
}



/** The row at the top of the workbench: who is signed in, or how to sign in. */
export function accountRow(h: AccountHooks): HTMLElement {
  const me = h.me();
  const roleLabel = (r: string) => t(`role_${r}`);
  if (me.user || me.legacy) {
    const out = el('button', { type: 'button', id: 'account-signout' }, t('signOut'));
    out.addEventListener('click', async () => {
      await api.signOut().catch(() => undefined);
      await h.changed({ user: null, legacy: false });
    });
    const who = el('span', { id: 'account-who' }, `${t('signedInAs')} ${describe(me, h.cityName, roleLabel)}`);
    // A person who left a session open elsewhere ends all of them from here.
    const everywhere = me.user ? el('button', { type: 'button', id: 'account-signout-all' }, t('signOutEverywhere')) : null;
    everywhere?.addEventListener('click', async () => {
      await api.signOut(true).catch(() => undefined);
      await h.changed({ user: null, legacy: false });
    });
    return el('div', { class: 'row account', id: 'account' }, who, out, everywhere);
  }
  const email = el('input', { type: 'email', id: 'account-email', autocomplete: 'username', required: '' });
  const password = el('input', { type: 'password', id: 'account-password', autocomplete: 'current-password', required: '' });
  const said = el('span', { id: 'account-message', 'aria-live': 'polite' });
  const form = el(
    'form',
    { class: 'row account', id: 'account-form' },
    field(t('email'), email),
    field(t('password'), password),
    el('button', { type: 'submit', id: 'account-signin' }, t('signInAccount')),
    said,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    said.textContent = '';
    try {
      await h.changed(await api.signIn(email.value.trim(), password.value));
    } catch (err) {
      said.textContent = errorText(err);
    }
  });
  return el('div', {}, form, tokenRow(h));
}

/** A personal API token, or the configuration's legacy planner token. */
function tokenRow(h: AccountHooks): HTMLElement {
  const tokenInput = el('input', { type: 'password', id: 'planner-token', autocomplete: 'off' });
  tokenInput.value = api.token();
  const use = el('button', { type: 'button', id: 'planner-signin' }, t('signIn'));
  const signedIn = el('span', { id: 'planner-signed-in', 'aria-live': 'polite' });
  use.addEventListener('click', async () => {
    api.setToken(tokenInput.value.trim());
    let me: api.Me;
    try {
      // The server says whom the token speaks for (401 for a wrong one).
      me = await api.who();
      signedIn.textContent = '✓';
      signedIn.dataset.ok = 'true';
    } catch (err) {
      api.setToken('');
      signedIn.textContent = errorText(err);
      signedIn.dataset.ok = 'false';
      return;
    }
    await h.changed(me).catch((err: unknown) => (signedIn.textContent = errorText(err)));
  });
  return el(
    'details',
    { id: 'account-token' },
    el('summary', {}, t('useToken')),
    el('div', { class: 'row' }, field(t('token'), tokenInput), use, signedIn),
  );
}
