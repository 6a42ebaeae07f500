// Editing one feature of a layer in the map, for the layer's editors (OGC API - Features
// Part 4 underneath): its attributes in a form, its shape by dragging it or its vertices, a
// new feature drawn on the map, a feature deleted. Every save sends the version it started
// from; when someone else saved first, their version is shown beside the editor's, to take
// or to overwrite knowingly.

import type { Map } from 'maplibre-gl';
import * as api from './api';
import { startDrawing, type Drawing, type Family } from './draw';
import { el } from './dom';
import { layerTitle } from './layers';
import { text } from './feature-edit-text';
import type { AtlasState } from './state';

export interface FeatureEditHooks {
  map: Map;
  state: AtlasState;
  /** After a save: the catalog is read again, so the layer's tiles reload. */
  changed: (layer: string) => Promise<void>;
}

export interface FeatureEditor {
  /** Opens feature `fid` of `layer`. */
  open(layer: api.Layer, fid: number | string): Promise<void>;
  /** Starts drawing a new feature of `layer`. */
  add(layer: api.Layer): Promise<void>;
}

/** What the editor holds: the layer, the feature (null while adding) and its version. */
interface Session {
  layer: api.Layer;
  fid: number | string | null;
  etag: string | null;
  original: GeoJSON.Feature | null;
}

type Props = Record<string, unknown>;

/** A form value as the field's type wants it (empty is null). */
function parse(type: string, input: HTMLInputElement): unknown {
  if (type === 'boolean') return input.checked;
  const v = input.value.trim();
  if (v === '') return null;
  if (type === 'integer' || type === 'number') return Number(v);
  if (type === 'array' || type === 'object') return JSON.parse(v) as unknown;
  return v;
}

function shown(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export function setupFeatureEditor(h: FeatureEditHooks): FeatureEditor {
  const panel = el('section', { id: 'feature-editor', class: 'feature-editor', hidden: '', 'aria-labelledby': 'feature-editor-title' });
  document.body.append(panel);
  let drawing: Drawing | null = null;
  let session: Session | null = null;

  async function drawer(): Promise<Drawing> {
    drawing ??= await startDrawing(h.map);
    return drawing;
  }

  function close(): void {
    drawing?.clear();
    session = null;
    h.state.editing = false;
    panel.hidden = true;
    panel.replaceChildren();
  }

  function say(message: string, kind: 'info' | 'error' = 'info'): void {
    const s = document.getElementById('feature-status');
    if (s) {
      s.textContent = message;
      s.className = kind;
    }
  }

  function form(layer: api.Layer, props: Props): HTMLFormElement {
    const f = el('form', { id: 'feature-form', class: 'feature-form' }) as HTMLFormElement;
    const fields = layer.fields?.length ? layer.fields : Object.keys(props).map((name) => ({ name, type: 'string' }));
    for (const { name, type } of fields) {
      const input = el('input', { name, 'data-type': type, id: `feature-field-${name}` }) as HTMLInputElement;
      if (type === 'boolean') {
        input.type = 'checkbox';
        input.checked = props[name] === true;
      } else {
        input.type = type === 'integer' || type === 'number' ? 'number' : 'text';
        if (type === 'number') input.step = 'any';
        input.value = shown(props[name]);
      }
      f.append(el('label', { for: input.id }, name), input);
    }
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      void save();
    });
    return f;
  }

  /** The properties the form says, over those it does not show. */
  function formProps(): Props {
    const out: Props = { ...(session?.original?.properties ?? {}) };
    for (const input of panel.querySelectorAll<HTMLInputElement>('#feature-form input')) {
      out[input.name] = parse(input.dataset.type ?? 'string', input);
    }
    return out;
  }

  function render(title: string, props: Props, hint: string): void {
    const layer = session?.layer;
    if (!layer) return;
    const actions = el('div', { class: 'row' });
    const saveButton = el('button', { type: 'button', id: 'feature-save', class: 'primary' }, text('save'));
    saveButton.addEventListener('click', () => void save());
    const cancel = el('button', { type: 'button', id: 'feature-cancel' }, text('cancel'));
    cancel.addEventListener('click', close);
    actions.append(saveButton);
    if (session?.fid !== null) {
      const del = el('button', { type: 'button', id: 'feature-delete' }, text('delete'));
      del.addEventListener('click', () => void remove());
      actions.append(del);
    }
    actions.append(cancel);
    panel.replaceChildren(
      el('h2', { id: 'feature-editor-title' }, title),
      el('p', { class: 'hint' }, `${layerTitle(layer)} · ${hint}`),
      form(layer, props),
      actions,
      el('p', { id: 'feature-status', role: 'status', 'aria-live': 'polite' }),
      el('div', { id: 'feature-conflict', hidden: '' }),
    );
    panel.hidden = false;
    h.state.editing = true;
  }

  async function open(layer: api.Layer, fid: number | string): Promise<void> {
    const [stored, d] = await Promise.all([api.feature(layer.id, fid), drawer()]);
    session = { layer, fid, etag: stored.etag, original: stored.feature };
    const reshaped = stored.feature.geometry ? d.edit(stored.feature.geometry) : false;
    render(`${text('editFeature')} ${fid}`, stored.feature.properties ?? {}, reshaped ? text('dragHint') : text('partsHint'));
  }

  async function add(layer: api.Layer): Promise<void> {
    const d = await drawer();
    session = { layer, fid: null, etag: null, original: null };
    render(text('newFeature'), {}, text('drawHint'));
    const family: Family = layer.geometry_type === 'line' || layer.geometry_type === 'polygon' ? layer.geometry_type : 'point';
    await d.draw(family);
    say(text('drawn'));
  }

  async function save(): Promise<void> {
    const s = session;
    if (!s) return;
    let properties: Props;
    try {
      properties = formProps();
    } catch (e) {
      say(`${text('badValue')}: ${String(e)}`, 'error');
      return;
    }
    const geometry = drawing?.current() ?? s.original?.geometry ?? null;
    if (!geometry) {
      say(text('drawFirst'), 'error');
      return;
    }
    const body: GeoJSON.Feature = { type: 'Feature', geometry, properties };
    say(text('saving'));
    const r = await api.writeFeature(s.fid === null ? 'POST' : 'PUT', s.layer.id, s.fid, body, s.etag);
    await after(r, s);
  }

  async function remove(): Promise<void> {
    const s = session;
    if (!s || s.fid === null || !window.confirm(text('confirmDelete'))) return;
    await after(await api.writeFeature('DELETE', s.layer.id, s.fid, null, s.etag), s);
  }

  async function after(r: api.FeatureWrite, s: Session): Promise<void> {
    if (r.ok) {
      close();
      await h.changed(s.layer.id);
      return;
    }
    if (r.stale && s.fid !== null) return conflict({ ...s, fid: s.fid });
    say(r.message, 'error');
  }

  /** Someone saved first: their version beside this one; take theirs, or save over it. */
  async function conflict(s: Session & { fid: number | string }): Promise<void> {
    const theirs = await api.feature(s.layer.id, s.fid);
    const box = document.getElementById('feature-conflict');
    if (!box) return;
    const mine = formProps();
    const dl = el('dl');
    for (const [k, v] of Object.entries(theirs.feature.properties ?? {})) {
      const differs = shown(v) !== shown(mine[k]);
      dl.append(el('dt', {}, k), el('dd', differs ? { class: 'differs' } : {}, shown(v) || '—'));
    }
    const take = el('button', { type: 'button', id: 'feature-take-theirs' }, text('takeTheirs'));
    take.addEventListener('click', () => {
      session = { ...s, etag: theirs.etag, original: theirs.feature };
      const reshaped = theirs.feature.geometry ? drawing?.edit(theirs.feature.geometry) : false;
      render(`${text('editFeature')} ${s.fid}`, theirs.feature.properties ?? {}, reshaped ? text('dragHint') : text('partsHint'));
    });
    const overwrite = el('button', { type: 'button', id: 'feature-overwrite' }, text('saveMine'));
    overwrite.addEventListener('click', () => {
      session = { ...s, etag: theirs.etag };
      void save();
    });
    box.replaceChildren(el('p', { class: 'error' }, text('conflict')), el('strong', {}, text('theirVersion')), dl, el('div', { class: 'row' }, take, overwrite));
    box.hidden = false;
    say('');
  }

  return { open, add };
}
