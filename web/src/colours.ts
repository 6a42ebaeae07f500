// Okabe–Ito colours (colour-blind safe), as in shared/design/ui.md.

import { SECTORS } from './vocab.gen';

// The words themselves come from nexus-core (generated, never copied).
export { DIMENSIONS, EFFECTS, SECTORS, STATUSES } from './vocab.gen';

export const SECTOR_COLOUR: Record<string, string> = {
  water: '#0072B2',
  energy: '#E69F00',
  food: '#009E73',
  waste: '#CC79A7',
  land: '#D55E00',
};
export const OTHER = '#666666';

export const EFFECT_COLOUR: Record<string, string> = {
  synergy: '#009E73',
  conflict: '#D55E00',
  constraint: '#E69F00',
};

/** The intensity ramp (sectors present in a cell, 1 to 5): one hue, light to dark. */
// A sequential ramp whose steps are far enough apart to tell 2 sectors from 3 at a glance.
export const HEX_RAMP = ['#f3e8fa', '#d1a6e8', '#a65fcf', '#7331a6', '#3f0a6b'];

export function sectorColour(sector: string | undefined): string {
  return (sector && SECTOR_COLOUR[sector]) || OTHER;
}

/** A MapLibre expression colouring by the `sector` property. */
export function sectorMatch(property = 'sector'): unknown[] {
  const m: unknown[] = ['match', ['get', property]];
  for (const s of SECTORS) m.push(s, SECTOR_COLOUR[s]);
  m.push(OTHER);
  return m;
}
