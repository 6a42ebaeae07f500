// The server's JSON and GeoJSON APIs, with the planner token when one is set.

import type { City, Layer, ProjectAnswer, SearchHit, Settings } from './api-catalog.gen';
import type { CitySummary, ProjectProfile, RuleSet } from './api-nexus.gen';
import type { SessionAnswer, SessionUser } from './api-session.gen';
import { STATIC, staticPath } from './static-site';

export type { City, FieldDef, Layer, SearchHit, Settings } from './api-catalog.gen';
export type { Checked, Rule, RuleSet, RuleSource, Selector } from './api-nexus.gen';
export type { SessionUser } from './api-session.gen';
/** A project seen through the other sectors (`GET /api/projects/{slug}/nexus`). */
export type Profile = ProjectProfile;
/** A city's Nexus at a glance (`GET /api/cities/{city}/nexus`). */
export type Summary = CitySummary;

/** Properties a project's answer carries that a save must not send back. */
export const SERVER_ONLY = ['revision', 'updated_at'] as const;

/** A project as the web map holds and saves it: the answer (generated from the Rust type)
 *  without what the server keeps; `revision` is the one an edit started from (If-Match). */
export type Project = Omit<ProjectAnswer, (typeof SERVER_ONLY)[number]> & { revision?: number };

const TOKEN_KEY = 'nexus-planner-token';
const CSRF_KEY = 'nexus-csrf';

export function token(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function setToken(t: string): void {
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** The CSRF token of the signed-in session, which writes echo (the cookie alone is refused). */
function setCsrf(c: string | undefined): void {
  if (c) sessionStorage.setItem(CSRF_KEY, c);
  else sessionStorage.removeItem(CSRF_KEY);
}

export class ApiError extends Error {}

function headers(extra: Record<string, string> = {}, write = false): Record<string, string> {
  const t = token();
  const csrf = sessionStorage.getItem(CSRF_KEY);
  const out: Record<string, string> = t ? { ...extra, authorization: `Bearer ${t}` } : { ...extra };
  if (write && csrf && !t) out['x-csrf-token'] = csrf;
  return out;
}

async function answer<T>(res: Response, what: string): Promise<T> {
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (!res.ok) throw new ApiError(`${what}: ${body?.error?.message ?? `HTTP ${res.status}`}`);
  return body as T;
}

export async function getJson<T>(path: string, what: string): Promise<T> {
  const from = STATIC ? staticPath(path) : path;
  return answer<T>(await fetch(from, { headers: headers({ accept: 'application/json' }) }), what);
}

export async function sendJson<T>(
  method: string,
  path: string,
  body: unknown,
  what: string,
  extra: Record<string, string> = {},
): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: headers({ 'content-type': 'application/json', accept: 'application/json', ...extra }, true),
    body: JSON.stringify(body),
  });
  return answer<T>(res, what);
}

export async function upload<T>(path: string, form: FormData, what: string): Promise<T> {
  return answer<T>(await fetch(path, { method: 'POST', headers: headers({}, true), body: form }), what);
}

export const search = async (q: string, city: string) =>
  (await getJson<{ results: SearchHit[] }>(`/api/search?${new URLSearchParams({ q, city, limit: '8' })}`, 'search')).results;

export const cities = () => getJson<GeoJSON.FeatureCollection<GeoJSON.Point, City>>('/api/cities', 'cities');
export const settings = () => getJson<Settings>('/api/settings', 'settings');
export const layers = () => getJson<Layer[]>('/api/layers', 'layers');
export const rules = () => getJson<RuleSet>('/api/nexus/rules', 'Nexus rules');
export const projects = () =>
  getJson<GeoJSON.FeatureCollection<GeoJSON.Geometry | null, Project>>(
    '/collections/projects/items?limit=10000',
    'projects',
  );
export const profile = (slug: string) =>
  getJson<Profile>(`/api/projects/${encodeURIComponent(slug)}/nexus`, 'Nexus profile');
export const summary = (city: string) =>
  getJson<Summary>(`/api/cities/${encodeURIComponent(city)}/nexus`, 'city summary');

/** Who this page acts as: a person, the legacy token (a site admin), or nobody. */
export interface Me {
  user: SessionUser | null;
  /** Signed in with the configuration's planner token. */
  legacy: boolean;
}

function me(a: SessionAnswer): Me {
  if (a.via === 'session') setCsrf(a.csrf);
  return { user: a.user, legacy: a.via === 'legacy' };
}

/** Who the server says this page is (session cookie or token). */
export const who = async (): Promise<Me> =>
  STATIC ? { user: null, legacy: false } : me(await getJson<SessionAnswer>('/api/session', 'session'));

/** Signs in with email and password: the server sets the session cookie. */
export async function signIn(email: string, password: string): Promise<Me> {
  setToken('');
  const res = await fetch('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const a = await answer<SessionAnswer>(res, 'sign-in');
  return me({ ...a, via: 'session' });
}

/** Signs out (ends the session, or every session of the person; forgets a token). */
export async function signOut(everywhere = false): Promise<void> {
  if (!token()) {
    const res = await fetch(`/api/session${everywhere ? '?everywhere=true' : ''}`, { method: 'DELETE', headers: headers({}, true) });
    if (!res.ok && res.status !== 401) await answer<unknown>(res, 'sign-out');
  }
  setToken('');
  setCsrf(undefined);
}

/** One feature of a layer as stored, with its version (`ETag`). */
export interface StoredFeature {
  feature: GeoJSON.Feature;
  etag: string;
}

/** How a feature write went: stored (with the feature as stored and its new version), stale
 *  (someone saved another version first), or refused with the server's reason. */
export type FeatureWrite =
  | { ok: true; stored: StoredFeature | null }
  | { ok: false; stale: boolean; message: string };

const items = (layer: string) => `/collections/${encodeURIComponent(layer)}/items`;

export async function feature(layer: string, fid: number | string): Promise<StoredFeature> {
  const res = await fetch(`${items(layer)}/${encodeURIComponent(fid)}`, { headers: headers({ accept: 'application/geo+json' }) });
  const body = await answer<GeoJSON.Feature>(res, 'feature');
  return { feature: body, etag: res.headers.get('etag') ?? '' };
}

/** Creates (`POST`, no `fid`), replaces (`PUT`) or deletes (`DELETE`) a feature; a replace
 *  or delete sends the version it started from (`If-Match`). */
export async function writeFeature(
  method: 'POST' | 'PUT' | 'DELETE',
  layer: string,
  fid: number | string | null,
  body: GeoJSON.Feature | null,
  etag: string | null,
): Promise<FeatureWrite> {
  const extra: Record<string, string> = { accept: 'application/geo+json' };
  if (body) extra['content-type'] = 'application/geo+json';
  if (etag) extra['if-match'] = etag;
  const path = fid === null ? items(layer) : `${items(layer)}/${encodeURIComponent(fid)}`;
  const res = await fetch(path, { method, headers: headers(extra, true), body: body ? JSON.stringify(body) : undefined });
  if (res.status === 204) return { ok: true, stored: null };
  const answered = (await res.json().catch(() => null)) as (GeoJSON.Feature & { error?: { message?: string } }) | null;
  if (!res.ok) {
    return { ok: false, stale: res.status === 412, message: answered?.error?.message ?? `HTTP ${res.status}` };
  }
  return { ok: true, stored: { feature: answered as GeoJSON.Feature, etag: res.headers.get('etag') ?? '' } };
}
