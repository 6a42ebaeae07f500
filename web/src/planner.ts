// The planner's workbench (for the signed-in: account.ts): upload a file as a
// new or replacement layer and read the ingest report; sketch a project (point, line or area),
// see its what-if Nexus evaluation, then save it as a draft and publish it.

import type { GeoJSONSource, Map, MapMouseEvent } from 'maplibre-gl';
import * as api from './api';
import { accountRow } from './account';
import { adminSections } from './admin';
import { mayWork } from './access';
import { EFFECT_COLOUR, SECTORS, STATUSES } from './colours';
import { byId, el, errorText, field } from './dom';
import { local, t, tf } from './i18n';
import { VISIBILITIES } from './vocab.gen';
import { KINDS, SKETCH_KINDS, kindName, rulesFor } from './kinds';
import { type ProjectFeature } from './projects';
import { whatIfAnswer, type WhatIfAnswer } from './whatif';

type Mode = 'point' | 'line' | 'area';

export interface PlannerHooks {
  map: Map;
  city: () => string;
  /** The catalog as the page knows it (to prefill a replacement upload). */
  layers: () => api.Layer[];
  /** The Nexus rules, to say which ones a kind of project brings. */
  rules: () => api.Rule[];
  /** After an upload or a save: the catalog and projects are read again. */
  changed: (layer?: string) => Promise<void>;
  /** Who the page acts as. */
  me: () => api.Me;
  cityName: (slug: string) => string;
  /** After signing in or out. */
  signedIn: (me: api.Me) => Promise<void>;
}

/** What the rest of the page may ask of the workbench. */
export interface Planner {
  /** Opens an existing project for editing (its attributes, and its geometry if redrawn). */
  edit(p: ProjectFeature): void;
}

/** Properties the server adds to a project that a save must not send back. */

export function setupPlanner(h: PlannerHooks): Planner {
  const panel = byId('planner');
  const body = byId('planner-body');
  const toggle = byId('planner-toggle');
  toggle.setAttribute('aria-controls', 'planner');
  toggle.setAttribute('aria-expanded', 'false');
  toggle.addEventListener('click', () => {
    panel.hidden = !panel.hidden;
    toggle.setAttribute('aria-expanded', String(!panel.hidden));
    // A closed workbench does not keep catching map clicks.
    if (panel.hidden) setDrawing(false);
    else {
      render();
      byId('planner-title').focus();
    }
  });
  let mode: Mode = 'point';
  let vertices: [number, number][] = [];
  let drawing = false;
  let slug = '';
  let editing: ProjectFeature | null = null;

  h.map.on('load', () => {
    h.map.addSource('sketch', { type: 'geojson', data: empty() });
    h.map.addSource('whatif', { type: 'geojson', data: empty() });
    h.map.addSource('whatif-rings', { type: 'geojson', data: empty() });
    // How far each applicable rule looks around the sketch.
    h.map.addLayer({ id: 'whatif:ring', type: 'line', source: 'whatif-rings', paint: { 'line-color': '#3e4c59', 'line-width': 1.5, 'line-dasharray': [3, 2], 'line-opacity': 0.8 } });
    h.map.addLayer({ id: 'whatif:line', type: 'line', source: 'whatif', paint: { 'line-width': 4, 'line-color': ['match', ['get', 'effect'], 'synergy', EFFECT_COLOUR.synergy, 'conflict', EFFECT_COLOUR.conflict, EFFECT_COLOUR.constraint] } });
    h.map.addLayer({ id: 'sketch:fill', type: 'fill', source: 'sketch', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#1f2933', 'fill-opacity': 0.2 } });
    h.map.addLayer({ id: 'sketch:line', type: 'line', source: 'sketch', filter: ['!=', ['geometry-type'], 'Point'], paint: { 'line-color': '#1f2933', 'line-width': 3, 'line-dasharray': [2, 1] } });
    h.map.addLayer({ id: 'sketch:point', type: 'circle', source: 'sketch', paint: { 'circle-radius': 6, 'circle-color': '#ffffff', 'circle-stroke-color': '#1f2933', 'circle-stroke-width': 3 } });
  });

  h.map.on('click', (e: MapMouseEvent) => {
    if (!drawing) return;
    vertices.push([e.lngLat.lng, e.lngLat.lat]);
    if (mode === 'point') setDrawing(false);
    draw();
  });

  // While sketching the pointer is a crosshair, and map clicks add vertices instead of
  // opening cards.
  function setDrawing(on: boolean): void {
    drawing = on;
    h.map.getCanvas().style.cursor = on ? 'crosshair' : '';
  }

  function empty(): GeoJSON.FeatureCollection {
    return { type: 'FeatureCollection', features: [] };
  }

  function geometry(): GeoJSON.Geometry | null {
    // Editing a project without redrawing it keeps its geometry.
    if (!vertices.length && editing) return editing.geometry;
    if (mode === 'point') return vertices.length ? { type: 'Point', coordinates: vertices[vertices.length - 1] } : null;
    if (mode === 'line') return vertices.length >= 2 ? { type: 'LineString', coordinates: vertices } : null;
    return vertices.length >= 3 ? { type: 'Polygon', coordinates: [[...vertices, vertices[0]]] } : null;
  }

  function draw(): void {
    const g = geometry();
    const features: GeoJSON.Feature[] = vertices.map((v) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: v }, properties: {} }));
    if (g && g.type !== 'Point') features.push({ type: 'Feature', geometry: g, properties: {} });
    (h.map.getSource('sketch') as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features });
    const s = document.getElementById('sketch-state');
    if (s) s.textContent = drawing ? t('clickMap') : g ? `${g.type} · ${vertices.length}` : '';
  }


  function select(id: string, values: string[], name: (v: string) => string = (v) => v): HTMLSelectElement {
    return el('select', { id }, ...values.map((v) => el('option', { value: v }, name(v))));
  }

  function render(): void {
    // A fresh form is a fresh project: nothing from an earlier save or edit carries over.
    slug = '';
    editing = null;
    vertices = [];
    setDrawing(false);
    draw();
    const account = accountRow({
      me: h.me,
      cityName: h.cityName,
      changed: async (me) => {
        await h.signedIn(me);
        render();
      },
    });
    body.replaceChildren(
      account,
      ...adminSections(h.me(), h.city(), h.cityName),
      // Sketching is what planners come for most; uploading a layer is rarer.
      sketchForm(),
      uploadForm(),
    );
  }

  function uploadForm(): HTMLElement {
    const id = el('input', { id: 'up-id', required: '', pattern: '[a-z0-9][a-z0-9_\\-]*', placeholder: 'cm-new-layer' });
    const title = el('input', { id: 'up-title' });
    const kind = select('up-kind', KINDS, kindName);
    const sector = select('up-sector', [...SECTORS], t);
    const visibility = select('up-visibility', [...VISIBILITIES].reverse(), t);
    const file = el('input', { id: 'up-file', type: 'file', required: '' });
    // Replacing a layer starts from what it is: its kind and sector decide which Nexus rules
    // meet it, and a draft stays a draft unless the planner says otherwise.
    id.addEventListener('change', () => {
      const known = h.layers().find((l) => l.id === id.value);
      if (!known) return;
      title.value = known.title;
      kind.value = known.kind;
      sector.value = known.sectors[0] ?? sector.value;
      visibility.value = known.visibility;
    });
    const report = el('pre', { id: 'up-report', class: 'report', 'aria-live': 'polite' });
    const form = el(
      'form',
      { id: 'upload-form', class: 'planner-form' },
      el('h3', {}, t('upload')),
      field(t('layerId'), id),
      field(t('layerTitle'), title),
      field(t('kind'), kind),
      field(t('sector'), sector),
      field(t('visibility'), visibility),
      field(t('file'), file),
      el('button', { type: 'submit' }, t('send')),
      report,
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!mayWork(h.me())) return void (report.textContent = t('tokenNeeded'));
      const f = file.files?.[0];
      if (!f) return;
      const data = new FormData();
      if (title.value) data.set('title', title.value);
      data.set('kind', kind.value);
      data.set('sector', sector.value);
      if (h.city()) data.set('city', h.city());
      data.set('visibility', visibility.value);
      data.set('file', f, f.name);
      report.textContent = t('loading');
      delete report.dataset.committed;
      let committed = false;
      try {
        const r = await api.upload<{ features: Record<string, number>; committed: boolean; revision: number; issues: { feature: number; reason: string }[]; warnings: string[] }>(
          `/api/layers/${encodeURIComponent(id.value)}/data`,
          data,
          'upload',
        );
        const issues = r.issues.slice(0, 10).map((i) => `  #${i.feature}: ${i.reason}`).join('\n');
        report.textContent =
          `${r.committed ? '✓' : '✗'} ${id.value} r${r.revision ?? '-'}: ` +
          Object.entries(r.features).map(([k, v]) => `${k} ${v}`).join(', ') +
          (issues ? `\n${issues}` : '') +
          (r.warnings.length ? `\n${r.warnings.join('\n')}` : '');
        committed = r.committed;
      } catch (err) {
        report.textContent = errorText(err);
      }
      report.dataset.committed = String(committed);
      if (committed) {
        try {
          await h.changed(id.value);
        } catch (err) {
          report.textContent += `\n${errorText(err)}`;
        }
      }
    });
    return form;
  }

  function sketchForm(): HTMLElement {
    const modes = el('div', { class: 'row', role: 'group', 'aria-label': t('sketch') });
    for (const m of ['point', 'line', 'area'] as Mode[]) {
      const b = el('button', { type: 'button', 'data-mode': m }, t(m));
      b.addEventListener('click', () => {
        mode = m;
        vertices = [];
        setDrawing(true);
        draw();
      });
      modes.append(b);
    }
    // Without a mouse: pan the map with the arrow keys, then add its centre as a vertex.
    const centre = el('button', { type: 'button', id: 'sketch-centre' }, t('addCentre'));
    centre.addEventListener('click', () => {
      if (!drawing) return;
      const c = h.map.getCenter();
      vertices.push([c.lng, c.lat]);
      if (mode === 'point') setDrawing(false);
      draw();
    });
    const finish = el('button', { type: 'button', id: 'sketch-finish' }, t('finish'));
    finish.addEventListener('click', () => {
      setDrawing(false);
      draw();
    });
    const clear = el('button', { type: 'button', id: 'sketch-clear' }, t('clear'));
    clear.addEventListener('click', () => {
      // Clearing starts a new project: the next save creates one.
      editing = null;
      slug = '';
      byId('sk-editing').textContent = '';
      vertices = [];
      setDrawing(false);
      draw();
      (h.map.getSource('whatif') as GeoJSONSource | undefined)?.setData(empty());
      (h.map.getSource('whatif-rings') as GeoJSONSource | undefined)?.setData(empty());
    });
    const title = el('input', { id: 'sk-title', placeholder: t('newProject') });
    const sector = select('sk-sector', [...SECTORS], t);
    // What the thing is decides which rules are checked: asked first, in words, never
    // silently left blank (a waste site left blank is checked as any project area).
    const kind = select('sk-kind', ['', ...SKETCH_KINDS], (v) => (v ? kindName(v) : t('chooseKind')));
    kind.setAttribute('aria-describedby', 'sk-kind-rules');
    const brings = el('p', { id: 'sk-kind-rules', class: 'hint', 'aria-live': 'polite' });
    const explain = () => {
      if (!kind.value) return void (brings.textContent = t('chooseKindFirst'));
      const rs = rulesFor(h.rules(), kind.value, [sector.value]);
      brings.textContent = rs.length ? tf('kindBrings', { n: rs.length, titles: rs.map((r) => local(r.title, r.title_th)).join(' · ') }) : t('kindBringsNone');
    };
    kind.addEventListener('change', explain);
    sector.addEventListener('change', explain);
    explain();
    const status = select('sk-status', [...STATUSES], t);
    const result = el('div', { id: 'whatif-result', class: 'whatif', 'aria-live': 'polite' });
    const message = el('p', { id: 'sk-message', 'aria-live': 'polite' });
    const evaluate = el('button', { type: 'button', id: 'sk-evaluate' }, t('evaluate'));
    const save = el('button', { type: 'button', id: 'sk-save' }, t('save'));
    const publish = el('button', { type: 'button', id: 'sk-publish' }, t('publish'));
    evaluate.addEventListener('click', async () => {
      const g = geometry();
      if (!g) return void (result.textContent = t('clickMap'));
      if (!kind.value) {
        result.textContent = t('chooseKindFirst');
        return kind.focus();
      }
      result.textContent = t('loading');
      try {
        const answer = await api.sendJson<WhatIfAnswer>(
          'POST',
          '/api/nexus/evaluate',
          { geometry: g, sectors: [sector.value], kind: kind.value, city: editing?.properties.city ?? (h.city() || undefined) },
          t('whatIf'),
        );
        (h.map.getSource('whatif') as GeoJSONSource | undefined)?.setData(answer);
        (h.map.getSource('whatif-rings') as GeoJSONSource | undefined)?.setData(answer.rings);
        result.replaceChildren(...whatIfAnswer(answer, h.layers()));
      } catch (err) {
        result.textContent = errorText(err);
      }
    });
    const saveAs = async (visibility: 'draft' | 'public') => {
      const g = geometry();
      if (!mayWork(h.me())) return void (message.textContent = t('tokenNeeded'));
      const city = editing?.properties.city ?? h.city();
      if (!g || !city) return void (message.textContent = t('clickMap'));
      // An edit keeps everything the form does not show (descriptions, partners, budget…).
      const base: Record<string, unknown> = editing ? { ...editing.properties } : { city };
      for (const k of api.SERVER_ONLY) delete base[k];
      const before = editing?.properties.sectors ?? [];
      const sectors = before[0] === sector.value ? before : [sector.value, ...before.filter((s) => s !== sector.value)];
      const properties: Record<string, unknown> = {
        ...base, title: title.value || t('newProject'), sectors, status: status.value, visibility,
      };
      // "Other works" is what every project is anyway: it is not stored as a kind.
      if (kind.value && kind.value !== 'project_footprint') properties.kind = kind.value;
      else delete properties.kind;
      save.disabled = publish.disabled = true;
      try {
        if (!slug) {
          // The server makes the slug from the city and the title (any length, any script).
          const made = await api.sendJson<{ slug: string }>('POST', '/api/projects', { type: 'Feature', geometry: g, properties }, t('save'));
          // Only a project that exists is the one later saves update.
          slug = made.slug;
        } else {
          // Saving what someone else changed meanwhile is refused (412), not silently lost.
          const since = editing?.properties.revision;
          await api.sendJson('PUT', `/api/projects/${encodeURIComponent(slug)}`, { type: 'Feature', geometry: g, properties }, t('save'),
            since === undefined ? {} : { 'if-match': `"${since}"` });
          if (editing) {
            const fresh = await api.getJson<GeoJSON.FeatureCollection<GeoJSON.Geometry | null, api.Project>>(
              `/collections/projects/items?slug=${encodeURIComponent(slug)}`, t('save'));
            editing = (fresh.features[0] as ProjectFeature | undefined) ?? editing;
          }
        }
        message.textContent = `${t('saved')}: ${title.value || slug} (${t(visibility === 'draft' ? 'draft' : 'publish')})`;
        message.dataset.saved = `${slug}:${visibility}`;
        byId('sk-editing').textContent = `${t('editing')}: ${title.value || slug}`;
        await h.changed();
      } catch (err) {
        message.textContent = errorText(err);
      } finally {
        save.disabled = publish.disabled = false;
      }
    };
    save.addEventListener('click', () => void saveAs('draft'));
    publish.addEventListener('click', () => void saveAs('public'));
    return el(
      'div',
      { class: 'planner-form' },
      el('h3', {}, t('sketch')),
      el('p', { id: 'sk-editing', class: 'editing' }),
      modes,
      el('div', { class: 'row' }, centre, finish, clear, el('span', { id: 'sketch-state' })),
      field(t('whatIsIt'), kind),
      brings,
      field(t('sector'), sector),
      field(t('title'), title),
      field(t('status'), status),
      el('div', { class: 'row' }, evaluate, save, publish),
      message,
      result,
    );
  }

  return {
    edit(p: ProjectFeature): void {
      panel.hidden = false;
      render();
      editing = p;
      slug = p.properties.slug;
      vertices = [];
      setDrawing(false);
      draw();
      byId('sk-editing').textContent = `${t('editing')}: ${p.properties.title}`;
      byId<HTMLInputElement>('sk-title').value = p.properties.title;
      byId<HTMLSelectElement>('sk-sector').value = p.properties.sectors[0] ?? 'water';
      byId<HTMLSelectElement>('sk-kind').value = p.properties.kind ?? 'project_footprint';
      byId('sk-kind').dispatchEvent(new Event('change'));
      byId<HTMLSelectElement>('sk-status').value = p.properties.status;
    },
  };
}
