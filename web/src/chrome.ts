// The page's own controls: sharing the view, the language buttons, the city summary's fold
// and the phone's sheets. What they change elsewhere comes back through the hooks.

import type { Map } from 'maplibre-gl';
import { byId } from './dom';
import { isLang, setLang, t } from './i18n';

export interface ChromeHooks {
  saveView: () => void;
  /** After the language changed: panels and the open card are drawn again. */
  languageChanged: () => void;
}

export function setupChrome(map: Map, h: ChromeHooks): void {
  byId('share').addEventListener('click', async () => {
    h.saveView();
    try {
      await navigator.clipboard.writeText(location.href);
      byId('status').textContent = t('copied');
    } catch {
      byId('status').textContent = location.href;
    }
  });
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-lang]')) {
    b.addEventListener('click', () => {
      if (isLang(b.dataset.lang)) setLang(b.dataset.lang);
      h.languageChanged();
    });
  }
  // On a short screen the city's Nexus starts folded: the map comes first.
  if (innerHeight < 820 && matchMedia('(min-width: 761px)').matches) {
    byId('summary-body').hidden = true;
    byId('summary-fold').setAttribute('aria-expanded', 'false');
  }
  // On a desktop the city's Nexus folds away to give the map the room.
  byId('summary-fold').addEventListener('click', () => {
    const body = byId('summary-body');
    body.hidden = !body.hidden;
    byId('summary-fold').setAttribute('aria-expanded', String(!body.hidden));
    map.resize();
  });
  for (const b of document.querySelectorAll<HTMLButtonElement>('.sheet-toggle, .summary-toggle')) {
    b.setAttribute('aria-expanded', 'false');
    b.addEventListener('click', () => {
      const open = byId(b.getAttribute('aria-controls') ?? '').classList.toggle('open');
      b.setAttribute('aria-expanded', String(open));
    });
  }
}
