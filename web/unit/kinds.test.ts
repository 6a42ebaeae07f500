// Which rules a sketch brings: the same choice the server's Selector::matches makes.
import { expect, test } from 'vitest';
import type { Rule } from '../src/api';
import { SKETCH_KINDS, rulesFor } from '../src/kinds';

const rule = (id: string, from: Rule['from'], to: Rule['to']): Rule =>
  ({ id, title: id, from, to, effect: 'conflict', weight: 3, rationale: '', source: '' }) as Rule;

const RULES = [
  rule('landfill-water', { kinds: ['waste_site'], sectors: [] }, { kinds: ['waterway'], sectors: [] }),
  rule('heritage', { kinds: ['project_footprint', 'waste_site'], sectors: [] }, { kinds: ['heritage_zone'], sectors: [] }),
  rule('green-water', { kinds: ['green_infrastructure'], sectors: ['water'] }, { kinds: ['waterway'], sectors: [] }),
  rule('into-intake', { kinds: ['outfall'], sectors: [] }, { kinds: ['water_intake'], sectors: [] }),
];

test('a bare project meets only the rules for any project', () => {
  expect(rulesFor(RULES, '', ['waste']).map((r) => r.id)).toEqual(['heritage']);
  expect(rulesFor(RULES, 'project_footprint', ['waste']).map((r) => r.id)).toEqual(['heritage']);
});

test('a waste site brings the landfill rules', () => {
  expect(rulesFor(RULES, 'waste_site', ['waste']).map((r) => r.id)).toEqual(['landfill-water', 'heritage']);
});

test('sectors narrow a rule, and a kind on the far end counts too', () => {
  expect(rulesFor(RULES, 'green_infrastructure', ['food']).map((r) => r.id)).toEqual(['heritage']);
  expect(rulesFor(RULES, 'green_infrastructure', ['water']).map((r) => r.id)).toEqual(['heritage', 'green-water']);
  expect(rulesFor(RULES, 'water_intake', ['water']).map((r) => r.id)).toEqual(['heritage', 'into-intake']);
});

test('a sketch cannot be a boundary', () => {
  expect(SKETCH_KINDS).not.toContain('boundary');
  expect(SKETCH_KINDS).toContain('project_footprint');
});
