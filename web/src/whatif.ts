// The what-if's answer as the planner reads it: the counts, what was checked (so an empty
// answer is never a bare all-clear), each link with the layer its other end is from, and how
// far the applicable rules look.

import type * as api from './api';
import { EFFECT_COLOUR } from './colours';
import { el } from './dom';
import { local, t, tf } from './i18n';
import { layerTitle } from './layers';
import { linkItem } from './projects';

/** What `POST /api/nexus/evaluate` answers. */
export type WhatIfAnswer = GeoJSON.FeatureCollection & {
  summary: Record<string, number>;
  checked: api.Checked;
  rings: GeoJSON.FeatureCollection;
};

/** What people call the layer `id` (projects are projects). */
export function layerTitleOf(layers: api.Layer[], id: string): string {
  if (id === 'projects') return t('projects');
  const l = layers.find((x) => x.id === id);
  return l ? layerTitle(l) : id;
}

/** A distance as people say it: 450 m, 3 km. */
export function metres(m: number): string {
  return m >= 1000 ? `${Number((m / 1000).toFixed(1))} km` : `${Math.round(m)} m`;
}

/** The answer's elements: counts, what was checked, the links, the reach of the rules. */
export function whatIfAnswer(answer: WhatIfAnswer, layers: api.Layer[]): HTMLElement[] {
  const ul = el('ul', { class: 'links' });
  for (const f of answer.features) {
    const p = f.properties as Record<string, string | number>;
    // Each row names the layer its other end is from: the same canal can be in two.
    const [name, layer] = p.to_layer === 'draft' ? [p.from_name, p.from_layer] : [p.to_name, p.to_layer];
    const heading = `${t(String(p.effect))}: ${local(String(p.title), p.title_th as string | undefined)}`;
    ul.append(linkItem(p, `${name} (${layerTitleOf(layers, String(layer))})`, el('strong', { style: `color:${EFFECT_COLOUR[String(p.effect)]}` }, heading)));
  }
  const reach = el('ul', { id: 'whatif-reach', class: 'hint' });
  for (const r of answer.checked.reach) {
    reach.append(el('li', {}, `${r.distance_m > 0 ? metres(r.distance_m) : t('touchingHead')}: ${r.rules.join(' · ')}`));
  }
  const s = answer.summary;
  const c = answer.checked;
  const checked = tf('checked', {
    rules: c.rules.length,
    total: c.rules_total,
    layers: c.layers.length,
    projects: c.projects ? t('andProjects') : '',
    reach: c.within_m > 0 ? tf('within', { d: metres(c.within_m) }) : t('touching'),
  });
  return [
    el('p', {}, `${t('synergy')} ${s.synergies ?? 0} · ${t('conflict')} ${s.conflicts ?? 0} · ${t('constraint')} ${s.constraints ?? 0}`),
    el('p', { id: 'whatif-checked', class: 'hint' }, answer.features.length ? checked : `${t('nothingFound')} ${checked}`),
    ul,
    reach,
  ];
}
