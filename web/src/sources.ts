// The documents the Nexus rules rest on: a rule's `source` cites them as [S1], [S22]; people
// see their titles, linked to where they can be read.

import { el } from './dom';

import type { RuleSource } from './api-nexus.gen';

/** The longest title shown in full; longer ones are cut, the whole kept as a tooltip. */
const SHORT = 70;

/** `text` with each [Sn] mark replaced by its source's title, linked when it has an address. */
export function citedSources(text: string, sources: Record<string, RuleSource>): Node {
  const out = document.createDocumentFragment();
  const parts = text.split(/(\[S\d+\])/);
  for (const part of parts) {
    const mark = /^\[(S\d+)\]$/.exec(part)?.[1];
    const s = mark ? sources[mark] : undefined;
    if (!s) {
      out.append(part);
      continue;
    }
    const shown = s.title.length > SHORT ? `${s.title.slice(0, SHORT - 1)}…` : s.title;
    const attrs = { class: 'cited', title: s.title, 'data-source': mark ?? '' };
    out.append(
      s.url && /^https?:\/\//.test(s.url)
        ? el('a', { ...attrs, href: s.url, target: '_blank', rel: 'noopener noreferrer' }, `[${shown}]`)
        : el('span', attrs, `[${shown}]`),
    );
  }
  return out;
}
