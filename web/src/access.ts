// What the signed-in person may do, as the page shows it: the server decides every request
// (nexus_core::Principal::may); the page only hides the controls it would refuse.

import type { Me } from './api';
import { ROLES, type Role, type Visibility } from './vocab.gen';

const rank = (r: Role): number => ROLES.indexOf(r);

/** The person's strongest role in `city`, if any. */
export function roleIn(me: Me, city: string): Role | null {
  const roles = (me.user?.roles ?? []).filter((m) => m.city === city).map((m) => m.role);
  return roles.length ? roles.reduce((a, b) => (rank(a) >= rank(b) ? a : b)) : null;
}

function siteAdmin(me: Me): boolean {
  return me.legacy || Boolean(me.user?.site_admin);
}

/** Whether the person may edit a project of `city` that is `visibility` now (a public one
 *  needs a publisher: an edit changes what the public sees). */
export function mayEdit(me: Me, city: string, visibility: Visibility): boolean {
  if (siteAdmin(me)) return true;
  const role = roleIn(me, city);
  return role !== null && rank(role) >= rank(visibility === 'public' ? 'publisher' : 'editor');
}

/** Whether the person may publish in `city`. */
export function mayPublish(me: Me, city: string): boolean {
  const role = roleIn(me, city);
  return siteAdmin(me) || (role !== null && rank(role) >= rank('publisher'));
}

/** Whether the person may publish (and so delete and restore) in some city. */
export function mayPublishSomewhere(me: Me): boolean {
  return siteAdmin(me) || (me.user?.roles ?? []).some((m) => rank(m.role) >= rank('publisher'));
}

/** Whether the person sees `city`'s drafts and history (any role there). */
export function mayView(me: Me, city: string): boolean {
  return siteAdmin(me) || roleIn(me, city) !== null;
}

/** Whether the person manages `city`'s members and reads its audit trail. */
export function mayAdminister(me: Me, city: string): boolean {
  return siteAdmin(me) || roleIn(me, city) === 'admin';
}

/** Whether the person may make anything at all (the workbench's forms). */
export function mayWork(me: Me): boolean {
  return siteAdmin(me) || (me.user?.roles ?? []).some((m) => rank(m.role) >= rank('editor'));
}

/** "Somchai (Editor · Chiang Mai)": who is signed in, in words, with `cityName` for slugs. */
export function describe(me: Me, cityName: (slug: string) => string, roleLabel: (r: Role | 'site_admin') => string): string {
  if (me.legacy) return roleLabel('site_admin');
  if (!me.user) return '';
  const parts = me.user.site_admin
    ? [roleLabel('site_admin')]
    : me.user.roles.map((m) => `${roleLabel(m.role)} · ${cityName(m.city)}`);
  return parts.length ? `${me.user.name} (${parts.join(', ')})` : me.user.name;
}
