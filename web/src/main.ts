// The Nexus Atlas map: partner cities, their layers grouped by sector, projects styled by
// sector and status with a filterable list and cards, the Nexus overlays and the city summary,
// in English or Thai, with the view kept in the URL. Planners also upload and sketch.

import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
// MapLibre finds its worker beside its own module, which bundling moves: point it at the copy
// Vite emits (a self-contained module worker).
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import './style.css';
import * as api from './api';
import type { Layer } from './api';
import { byId, el } from './dom';
import { readHash, writeHash } from './hash';
import { isLang, setLang, t } from './i18n';
import { renderLayers, renderLegend } from './layers';
import { setupPlanner } from './planner';
import { setupChrome } from './chrome';
import { mayEdit } from './access';
import { projectActions, trashPanel } from './project-actions';
import { historyPanel, layerHistoryPanel } from './history';
import { setupSearch } from './search';
import { listSolutions, showSolution, solutionOf } from './solutions';
import { fillFilterOptions, renderList, showCard, type ProjectFeature } from './projects';
import { addPatterns, baseStyle, ORIGIN } from './style';
import { addStack } from './stack';
import { relabel } from './labels';
import { newState, type AtlasState } from './state';
import { OVERVIEW, setupOverview } from './overview';
import { setupNexusOverlays } from './nexus-overlays';
import { layerVisibility, syncCatalogLayers, tileJson } from './catalog-layers';
import { setupClicks } from './clicks';
import { commentsPanel, pickPoint } from './comments';
import { besideCard, showSelected } from './framing';
import { makePopups } from './popups';
import { setupFeatureEditor } from './feature-edit';
import { addFeatureButton } from './feature-actions';
import { renderSummary } from './summary';
import { syncProjectSources } from './project-sources';
import { STATIC } from './static-site';
import { registerArchive } from './static-archive';

maplibregl.setWorkerUrl(workerUrl);
if (STATIC) registerArchive();

const OVERLAYS = new Set(['nexus-links', 'nexus-hex', 'projects']);

const state: AtlasState = newState(readHash());
const view = state.view;
// A link's language wins; otherwise the browser's (Thai when it prefers Thai).
if (isLang(view.lang)) setLang(view.lang);
else if (navigator.languages.some((l) => l.toLowerCase().startsWith('th'))) setLang('th');


const map = new maplibregl.Map({
  container: 'map',
  style: baseStyle(),
  center: view.map ? [view.map.lon, view.map.lat] : OVERVIEW.center,
  zoom: view.map ? view.map.zoom : OVERVIEW.zoom,
  attributionControl: { compact: true, customAttribution: 'Nexus Atlas · data: see each layer’s source' },
  // Those who ask for less motion get labels that appear at once; MapLibre already turns
  // their camera flights into jumps.
  fadeDuration: matchMedia('(prefers-reduced-motion: reduce)').matches ? 0 : 300,
  // Planners see draft layers' tiles too: their token goes with this server's tile requests.
  transformRequest: (url) =>
    api.token() && url.startsWith(`${ORIGIN}/tiles/`) ? { url, headers: { authorization: `Bearer ${api.token()}` } } : { url },
});
map.addControl(new maplibregl.NavigationControl(), 'top-right');
map.addControl(new maplibregl.ScaleControl(), 'bottom-left');

// Exposed for end-to-end tests and for the curious: the map, and a promise of the first data.
const w = window as unknown as { nexusMap: maplibregl.Map; nexusReady: Promise<void> };
w.nexusMap = map;
const editor = setupFeatureEditor({ map, state, changed: refreshData });

function banner(message: string | null): void {
  const b = byId('banner');
  b.hidden = !message;
  b.textContent = message ?? '';
}

map.on('error', (e) => {
  const msg = e.error?.message ?? String(e.error);
  // A tile that failed says so instead of leaving a blank map.
  banner(`✗ ${msg}`);
  state.failedAt = Date.now();
  // eslint-disable-next-line no-console -- the end-to-end tests and developers read map errors there
  console.error('map error', msg);
});

// A failure stays on screen until the map has drawn again without one.
map.on('idle', () => {
  if (state.failedAt && Date.now() - state.failedAt > 2000) {
    state.failedAt = 0;
    banner(null);
  }
});

// While tiles load the status line says so.
map.on('dataloading', () => byId('status').classList.add('busy'));
map.on('idle', () => byId('status').classList.remove('busy'));

const loaded = new Promise<void>((resolve) => map.on('load', () => resolve()));

function saveView(): void {
  const c = map.getCenter();
  view.map = { zoom: map.getZoom(), lat: c.lat, lon: c.lng };
  view.lang = document.documentElement.lang;
  writeHash(view);
}
map.on('moveend', saveView);

const cities = setupOverview(map, state, (slug) => setCity(slug));
const { cityName, cityOf, overview } = cities;

function setLayer(id: string, on: boolean): void {
  if (on) state.visible.add(id);
  else state.visible.delete(id);
  layerVisibility(map, id, on);
  view.layers = [...state.visible].sort();
  renderLegend(byId('legend'), panelLayers(), state.visible);
  saveView();
}

function projectsToShow(): ProjectFeature[] {
  return state.projects.filter((p) => p.geometry);
}

function syncCities(): void {
  const counts = new Map<string, number>();
  for (const p of state.projects) counts.set(p.properties.city, (counts.get(p.properties.city) ?? 0) + 1);
  const data = {
    ...state.cities,
    features: state.cities.features.map((f) => ({ ...f, properties: { ...f.properties, projects: counts.get(f.properties.slug) ?? 0 } })),
  };
  (map.getSource('cities') as maplibregl.GeoJSONSource | undefined)?.setData(data);
}

async function refreshData(changedLayer?: string): Promise<void> {
  await w.nexusReady;
  const mine = ++state.generation;
  const [layers, fc] = await Promise.all([api.layers(), api.projects()]);
  // An older refresh that answers late does not put back what a newer one replaced.
  if (mine !== state.generation) return;
  const previous = new Map(state.catalog.map((l) => [l.id, l.revision]));
  state.catalog = layers.filter((l) => !OVERLAYS.has(l.id));
  state.projects = fc.features as ProjectFeature[];
  if (changedLayer) {
    state.visible.add(changedLayer);
    if (view.layers) view.layers = [...state.visible].sort();
  }
  syncCatalogLayers(map, state, previous);
  if (changedLayer) layerVisibility(map, changedLayer, true);
  saveView();
  const overlays = new Map(layers.filter((l) => OVERLAYS.has(l.id)).map((l) => [l.id, l.revision]));
  for (const id of ['nexus-links', 'nexus-hex', 'projects']) {
    const s = map.getSource(id) as maplibregl.VectorTileSource | undefined;
    if (s && overlays.get(id) !== state.overlayRevisions.get(id)) s.setUrl(tileJson(id));
  }
  state.overlayRevisions = overlays;
  syncProjectSources(map, state.projects);
  syncCities();
  renderPanels();
  // The open card follows too (a planner who just signed in gets its edit button).
  if (view.project) selectProject(view.project, false);
}

/** The layers the panel lists: the chosen city's and those of no city in particular. */
function panelLayers(): Layer[] {
  return state.catalog.filter((l) => !view.city || !l.city || l.city === view.city);
}

function renderPanels(): void {
  byId('status').textContent = `${state.cities.features.length} ${t('cities')} · ${state.projects.length} ${t('projects').toLowerCase()}`;
  cities.nameLabels();
  renderLayers(byId('layer-groups'), panelLayers(), state.visible, setLayer, (l) =>
    el('div', {}, addFeatureButton(l, state.me, editor), layerHistoryPanel(l, state.me, () => refreshData(l.id))));
  renderLegend(byId('legend'), panelLayers(), state.visible);
  renderNexusLegend();
  fillFilterOptions();
  renderList(projectsToShow().concat(state.projects.filter((p) => !p.geometry)), view.city, view.project, selectProject, cityName);
  const trash = byId('planner-trash');
  if (!trash.querySelector('#trash[open]')) trash.replaceChildren(...[trashPanel(state.me, () => refreshData())].filter((x) => x !== null));
  void renderCitySummary();
}

async function renderCitySummary(): Promise<void> {
  const box = byId('summary-body');
  if (!view.city) {
    renderSummary(box, null, []);
    return;
  }
  const city = view.city;
  try {
    const s = await api.summary(city);
    // A city chosen meanwhile has the last word.
    if (view.city !== city) return;
    renderSummary(box, s, state.projects.filter((p) => p.properties.city === view.city).map((p) => p.properties), showPair);
  } catch (e) {
    box.replaceChildren(el('p', { class: 'error' }, String(e)));
  }
}

function selectProject(slug: string, fly = true): void {
  const p = state.projects.find((x) => x.properties.slug === slug);
  if (!p) return;
  // On a phone the sheet that was open gives way to the card.
  for (const sheet of document.querySelectorAll('.panel.open, .summary.open')) sheet.classList.remove('open');
  for (const b of document.querySelectorAll('.sheet-toggle, .summary-toggle')) b.setAttribute('aria-expanded', 'false');
  view.project = slug;
  if (p.properties.city !== view.city) setCity(p.properties.city, false);
  showSelected(map, p);
  const closeCard = () => {
    byId('card').hidden = true;
    view.project = '';
    showSelected(map, null);
    saveView();
    renderList(state.projects, view.city, '', selectProject, cityName);
  };
  void showCard(
    p.properties,
    closeCard,
    mayEdit(state.me, p.properties.city, p.properties.visibility) ? () => planner.edit(p) : undefined,
    state.sources,
    historyPanel(p.properties.slug, p.properties.city, state.me, () => refreshData()),
    // A deleted project's card goes with it.
    projectActions(p.properties, state.me, async () => {
      await refreshData();
      if (!state.projects.some((x) => x.properties.slug === p.properties.slug)) closeCard();
    }),
    commentsPanel(p.properties, () => pickPoint(map)),
  );
  // Framed once the card is open, so the project lies beside the card, not under it.
  if (fly && p.geometry) {
    const b = new maplibregl.LngLatBounds();
    const walk = (c: unknown): void => {
      if (Array.isArray(c) && typeof c[0] === 'number') b.extend(c as [number, number]);
      else if (Array.isArray(c)) c.forEach(walk);
    };
    walk((p.geometry as GeoJSON.Point).coordinates);
    map.fitBounds(b, { padding: besideCard(map), maxZoom: 15, duration: state.ready ? 600 : 0 });
  }
  renderList(state.projects, view.city, slug, selectProject, cityName);
  saveView();
}

/** Goes to a city ('' for all of them), flying there unless `fly` is false. */
function setCity(slug: string, fly = true): void {
  view.city = slug;
  const open = state.projects.find((p) => p.properties.slug === view.project);
  if (open && slug && open.properties.city !== slug) {
    view.project = '';
    byId('card').hidden = true;
    showSelected(map, null);
  }
  byId<HTMLSelectElement>('city').value = slug;
  const c = cityOf(slug);
  if (fly) {
    // A link opened at a city goes straight there; choosing one in the page flies.
    const duration = state.ready ? 800 : 0;
    if (c) map.flyTo({ center: c.geometry.coordinates as [number, number], zoom: 11.5, duration });
    else overview(duration);
  }
  renderPanels();
  saveView();
}

const nexus = setupNexusOverlays(map, state, saveView);
const { renderNexusLegend, setOverlay } = nexus;
const showPair = nexus.showPair;

/** Goes to what a search found: a city, a project's card, a layer or a named place. */
function goTo(hit: api.SearchHit): void {
  if (hit.type === 'city') return setCity(hit.id);
  if (hit.type === 'project') return selectProject(hit.id);
  if (hit.type === 'solution') return openSolution(hit.id);
  if (hit.layer && state.catalog.some((l) => l.id === hit.layer) && !state.visible.has(hit.layer)) {
    setLayer(hit.layer, true);
    renderPanels();
  }
  if (!hit.bbox) return;
  const [w, s, e, n] = hit.bbox;
  if (e - w < 1e-4 && n - s < 1e-4) map.flyTo({ center: [w, s], zoom: Math.max(map.getZoom(), 15), duration: 600 });
  else map.fitBounds(hit.bbox, { padding: 40, maxZoom: 15, duration: 600 });
}

/** Opens a showcased solution in the card (it has no place on the map to go to). */
function openSolution(slug: string): void {
  const s = solutionOf(slug);
  if (s) showSolution(s, (p) => selectProject(p), () => { byId('card').hidden = true; });
}

const popups = makePopups(map, state, (slug) => selectProject(slug), editor);

setupClicks(map, state, popups, { selectProject: (slug) => selectProject(slug, false), setCity: (slug) => setCity(slug) });

// Controls.
byId<HTMLSelectElement>('city').addEventListener('change', (e) => setCity((e.target as HTMLSelectElement).value));
for (const id of ['f-sector', 'f-status', 'f-dimension']) {
  byId(id).addEventListener('change', () => renderList(state.projects, view.city, view.project, selectProject, cityName));
}
byId<HTMLInputElement>('toggle-links').addEventListener('change', (e) => setOverlay('links', (e.target as HTMLInputElement).checked));
byId<HTMLInputElement>('toggle-hex').addEventListener('change', (e) => setOverlay('hex', (e.target as HTMLInputElement).checked));
setupSearch({ city: () => view.city, pick: goTo });
setupChrome(map, {
  saveView,
  languageChanged: () => {
    relabel(map);
    renderPanels();
    if (view.project) selectProject(view.project, false);
    saveView();
  },
});

const planner = setupPlanner({
  map,
  city: () => view.city,
  layers: () => state.catalog,
  rules: () => [...state.rules.values()],
  changed: refreshData,
  me: () => state.me,
  cityName,
  signedIn: async (me) => {
    state.me = me;
    await refreshData();
  },
});

async function start(): Promise<void> {
  // A token or session that no longer works leaves the page as the public sees it.
  state.me = await api.who().catch(() => {
    api.setToken('');
    return { user: null, legacy: false };
  });
  const [c, layers, r, fc, s] = await Promise.all([api.cities(), api.layers(), api.rules(), api.projects(), api.settings()]);
  state.settings = s;
  byId('planner-toggle').hidden = !state.settings.planners;
  state.cities = c;
  state.catalog = layers.filter((l) => !OVERLAYS.has(l.id));
  state.overlayRevisions = new Map(layers.filter((l) => OVERLAYS.has(l.id)).map((l) => [l.id, l.revision]));
  state.rules = new Map(r.rule.map((x) => [x.id, x]));
  state.sources = r.sources ?? {};
  state.projects = fc.features as ProjectFeature[];
  state.visible = new Set(view.layers ?? state.catalog.map((l) => l.id));
  const picker = byId<HTMLSelectElement>('city');
  for (const f of state.cities.features) {
    const p = f.properties;
    picker.append(el('option', { value: p.slug }, p.name_local ? `${p.name} · ${p.name_local}` : p.name));
  }
  picker.value = view.city;
  byId<HTMLInputElement>('toggle-links').checked = view.nexus.includes('links');
  byId<HTMLInputElement>('toggle-hex').checked = view.nexus.includes('hex');
  await loaded;
  addPatterns(map);
  addStack(map, state.settings.basemap, { links: view.nexus.includes('links'), hex: view.nexus.includes('hex') });
  // The attribution starts folded: the map is what people came for.
  map.getContainer().querySelector('.maplibregl-ctrl-attrib')?.classList.remove('maplibregl-compact-show');
  syncCities();
  syncCatalogLayers(map, state, new Map());
  syncProjectSources(map, state.projects);
  // The sketch layers (added by the planner on load) stay on top.
  for (const id of ['whatif:ring', 'whatif:line', 'sketch:fill', 'sketch:line', 'sketch:point']) if (map.getLayer(id)) map.moveLayer(id);
  renderPanels();
  cities.addLabels();
  void listSolutions(openSolution).catch((e: unknown) => banner(String(e)));
  if (view.city && !state.openedAtView) setCity(view.city);
  else if (!view.city && !state.openedAtView) overview(0);
  if (view.project) selectProject(view.project, !state.openedAtView);
  saveView();
  state.ready = true;
}

// A shared link pasted into a tab that already shows the atlas changes only the hash: the
// page follows it. (Our own hash writes use replaceState, which fires no event; one may land
// between the paste and the event, so the event's own address is read, not location.hash.)
window.addEventListener('hashchange', (e) => {
  if (!state.ready) return;
  const next = readHash(new URL(e.newURL).hash);
  if (isLang(next.lang || 'en') && (next.lang || 'en') !== document.documentElement.lang) setLang((next.lang || 'en') as 'en' | 'th');
  if (next.layers) {
    const on = new Set(next.layers);
    for (const l of state.catalog) if (on.has(l.id) !== state.visible.has(l.id)) setLayer(l.id, on.has(l.id));
  }
  for (const which of ['links', 'hex'] as const) {
    const on = next.nexus.includes(which);
    byId<HTMLInputElement>(`toggle-${which}`).checked = on;
    setOverlay(which, on);
  }
  if (next.city !== view.city) setCity(next.city, !next.map);
  if (next.map) map.jumpTo({ center: [next.map.lon, next.map.lat], zoom: next.map.zoom });
  if (next.project && next.project !== view.project) selectProject(next.project, !next.map);
  renderPanels();
});

w.nexusReady = start().catch((err: unknown) => {
  banner(String(err instanceof Error ? err.message : err));
  throw err;
});
