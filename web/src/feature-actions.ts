// The feature editor's ways in: an "Edit feature" button in a feature's popup and an "Add a
// feature" button in a layer's info, each shown only to those the server would let edit the
// layer (its city's editors, publishers for a public layer, site admins).

import type * as api from './api';
import { mayEdit } from './access';
import { el } from './dom';
import type { FeatureEditor } from './feature-edit';
import { text } from './feature-edit-text';

function mayEditLayer(me: api.Me, layer: api.Layer): boolean {
  return mayEdit(me, layer.city ?? '', layer.visibility);
}

/** "Add a feature" for `layer`, or nothing for those who may not. */
export function addFeatureButton(layer: api.Layer, me: api.Me, editor: FeatureEditor): HTMLElement | null {
  if (!mayEditLayer(me, layer)) return null;
  const b = el('button', { type: 'button', class: 'add-feature', 'data-layer': layer.id }, text('addFeature'));
  b.addEventListener('click', () => void editor.add(layer));
  return b;
}

/** "Edit feature" for feature `fid` of `layer`, or nothing. */
export function editFeatureButton(
  layer: api.Layer | undefined,
  fid: string | number | undefined,
  me: api.Me,
  editor: FeatureEditor,
  opened: () => void,
): HTMLElement | null {
  if (!layer || fid === undefined || !mayEditLayer(me, layer)) return null;
  const b = el('button', { type: 'button', class: 'edit-feature', 'data-fid': String(fid) }, text('edit'));
  b.addEventListener('click', () => {
    opened();
    void editor.open(layer, fid);
  });
  return b;
}
