// The city's Nexus as pictures and tables: every count drawn is the count the server gave.
import { expect, test } from 'vitest';
import type { Project, Summary } from '../src/api';
import { renderSummary } from '../src/summary';

const SECTORS = ['water', 'energy', 'food', 'waste', 'land'];
const zero = () => SECTORS.map(() => SECTORS.map(() => 0));
const summary: Summary = {
  city: 'chiang-mai',
  sectors: SECTORS,
  matrix: { synergy: zero(), conflict: zero(), constraint: zero() },
  links: { synergy: 1, conflict: 2, constraint: 0 },
  rules: {},
  projects: {},
  project_count: 3,
  cross_sector_projects: 1,
  cells: 40,
  max_sectors_in_a_cell: 3,
};
summary.matrix.conflict[3][0] = 2;
summary.matrix.synergy[0][4] = 1;

const project = (sectors: string[], status: string) => ({ sectors, status }) as unknown as Project;

test('the heatmaps hold the matrices, and the tables say the same for screen readers', () => {
  const box = document.createElement('div');
  renderSummary(box, summary, [project(['water', 'land'], 'planned'), project(['waste'], 'idea'), project(['waste'], 'idea')]);
  const cell = (effect: string, i: number, j: number) =>
    box.querySelectorAll(`svg.heatmap[data-effect="${effect}"] rect[data-count]`)[i * SECTORS.length + j].getAttribute('data-count');
  expect(cell('conflict', 3, 0)).toBe('2');
  expect(cell('synergy', 0, 4)).toBe('1');
  expect(cell('constraint', 1, 1)).toBe('0');
  const conflictTable = box.querySelectorAll('table')[1];
  expect(conflictTable.querySelectorAll('tr')[4].querySelectorAll('td')[0].textContent).toBe('2');
  for (const svg of box.querySelectorAll('svg')) expect(svg.getAttribute('aria-hidden')).toBe('true');
});

test('the bars count projects by sector and status', () => {
  const box = document.createElement('div');
  renderSummary(box, summary, [project(['water', 'land'], 'planned'), project(['waste'], 'idea'), project(['waste'], 'idea')]);
  const bars = [...box.querySelectorAll('svg.bars rect[data-status]')].map((r) => `${r.getAttribute('data-status')}:${r.getAttribute('data-count')}`);
  expect(bars).toEqual(['planned:1', 'idea:2', 'planned:1']);
});

test('without a city it asks for one', () => {
  const box = document.createElement('div');
  renderSummary(box, null, []);
  expect(box.textContent).toBe('Choose a city to see its Nexus summary.');
});
