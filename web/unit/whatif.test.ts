// The what-if's answer reads as a planner needs it: never a bare all-clear, rows naming their layer.
import { expect, test } from 'vitest';
import type { Layer } from '../src/api';
import { metres, whatIfAnswer, type WhatIfAnswer } from '../src/whatif';

const layers = [{ id: 'cm-canal', title: 'Khlong Mae Kha', title_local: 'คลองแม่ข่า' }] as Layer[];
const checked = { rules: ['a', 'b'], rules_total: 15, layers: ['cm-canal'], projects: true, within_m: 3000, reach: [{ distance_m: 500, rules: ['Landfill near surface water'] }] };

test('distances read as people say them', () => {
  expect(metres(450)).toBe('450 m');
  expect(metres(3000)).toBe('3 km');
  expect(metres(1500)).toBe('1.5 km');
});

test('an empty answer says what was checked', () => {
  const answer = { type: 'FeatureCollection', features: [], summary: {}, checked, rings: { type: 'FeatureCollection', features: [] } } as WhatIfAnswer;
  const [counts, said, , reach] = whatIfAnswer(answer, layers);
  expect(counts.textContent).toBe('Synergy 0 · Conflict 0 · Constraint 0');
  expect(said.textContent).toBe('Nothing found. Checked 2 of 15 rules against 1 layers and the projects within 3 km.');
  expect(reach.textContent).toBe('500 m: Landfill near surface water');
});

test('each link names the layer its other end is from', () => {
  const link = { type: 'Feature', geometry: null, properties: { effect: 'conflict', title: 'Landfill near surface water', to_layer: 'cm-canal', to_name: 'Khlong Mae Kha', from_layer: 'draft', distance_m: 104, rule: 'r' } };
  const answer = { type: 'FeatureCollection', features: [link], summary: { conflicts: 1 }, checked, rings: { type: 'FeatureCollection', features: [] } } as unknown as WhatIfAnswer;
  const [, said, ul] = whatIfAnswer(answer, layers);
  expect(said.textContent?.startsWith('Checked 2 of 15')).toBe(true);
  expect(ul.textContent).toContain('Khlong Mae Kha (Khlong Mae Kha), 104 m');
});
