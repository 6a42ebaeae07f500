// English and Thai: every key has both, placeholders are filled, the page follows a switch.
import { afterEach, describe, expect, test } from 'vitest';
import { setLang, t, tf } from '../src/i18n';
import { KIND_NAMES } from '../src/kinds';
import { LAYER_KINDS } from '../src/vocab.gen';

afterEach(() => setLang('en'));

describe('interface text', () => {
  test('Thai is chosen, and a missing word falls back to English, then to the key', () => {
    setLang('th');
    expect(t('city')).toBe('เมือง');
    expect(t('no-such-key')).toBe('no-such-key');
  });

  test('placeholders are filled, unknown ones left to see', () => {
    expect(tf('kindBrings', { n: 2, titles: 'A · B' })).toBe('Brings 2 rules: A · B');
    expect(tf('within', {})).toBe('within {d}');
  });

  test('switching rewrites the marked elements and the page language', () => {
    document.body.innerHTML = '<span data-i18n="projects"></span><input data-i18n-placeholder="searchPlaceholder">';
    setLang('th');
    expect(document.documentElement.lang).toBe('th');
    expect(document.querySelector('span')?.textContent).toBe('โครงการ');
    expect(document.querySelector('input')?.placeholder).not.toBe('');
  });

  test('every layer kind has words in both languages', () => {
    for (const k of LAYER_KINDS) {
      expect(KIND_NAMES[k].en, k).toMatch(/\w/);
      expect(KIND_NAMES[k].th, k).toMatch(/[\u0E00-\u0E7F]/);
    }
  });
});
