// A rule's [Sn] marks read as the titles of what they cite, linked where they can be read.
import { expect, test } from 'vitest';
import { citedSources } from '../src/sources';

const SOURCES = {
  S1: { title: 'SNI 03-3241-1994, TPA site selection', url: 'https://example.org/sni' },
  S2: { title: 'A guideline whose title goes on and on well beyond what fits in a popup about one link', url: 'https://example.org/g' },
  S3: { title: '<img src=x onerror=alert(1)>', url: 'javascript:alert(1)' },
};

function render(text: string): HTMLElement {
  const box = document.createElement('p');
  box.append(citedSources(text, SOURCES));
  return box;
}

test('marks become linked titles, the rest of the text stays', () => {
  const p = render('SNI 03-3241-1994 [S1]; Permen PU [S9]');
  const a = p.querySelector('a');
  expect(a?.textContent).toBe('[SNI 03-3241-1994, TPA site selection]');
  expect(a?.getAttribute('href')).toBe('https://example.org/sni');
  expect(a?.getAttribute('rel')).toContain('noopener');
  expect(p.textContent).toContain('Permen PU [S9]');
});

test('a long title is cut, with the whole of it as a tooltip', () => {
  const a = render('[S2]').querySelector('a');
  expect(a?.textContent?.length).toBeLessThanOrEqual(72);
  expect(a?.getAttribute('title')).toBe(SOURCES.S2.title);
});

test('a hostile title stays text and a non-web address is never a link', () => {
  const p = render('[S3]');
  expect(p.querySelector('a')).toBeNull();
  expect(p.querySelector('img')).toBeNull();
  expect(p.textContent).toContain('<img');
});
