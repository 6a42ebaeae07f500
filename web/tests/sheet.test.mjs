// The printable project sheet (issue 15): the card's "Print sheet" opens the server's A4 page,
// which Chromium prints to a one-page PDF holding the project's title and its Nexus links
// (read back with poppler's pdftotext, a reader no one here wrote).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BASE, OUT, launch, open } from './browser.mjs';

const SLUG = 'cm-mae-kha-canal-rehabilitation';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function printed(context, href, name) {
  const sheet = await context.newPage();
  const res = await sheet.goto(`${BASE}${href}`);
  assert.equal(res.status(), 200);
  await sheet.emulateMedia({ media: 'print' });
  const pdf = join(OUT, name);
  await sheet.pdf({ path: pdf, format: 'A4', printBackground: true });
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf]).toString())[1]);
  return { pages, text: execFileSync('pdftotext', ['-layout', pdf, '-']).toString().replace(/\s+/g, ' ') };
}

test('the project sheet prints on one A4 page with its title and its Nexus links', async () => {
  const { page, context, problems } = await open(browser, `#city=chiang-mai&project=${SLUG}`);
  const link = page.locator('#card a[data-action="print-sheet"]');
  await link.waitFor();
  const href = await link.getAttribute('href');
  assert.equal(href, `/projects/${SLUG}/sheet?lang=en`);

  const profile = await (await fetch(`${BASE}/api/projects/${SLUG}/nexus`)).json();
  assert.ok(profile.links.length > 0, 'the canal has Nexus links to print');
  const { pages, text } = await printed(context, href, 'sheet-mae-kha.pdf');
  assert.equal(pages, 1, 'one A4 page');
  assert.match(text, /Mae Kha canal rehabilitation/);
  for (const l of profile.links.slice(0, 10)) {
    const p = l.properties;
    assert.ok(text.includes(p.title), `the rule "${p.title}" is printed`);
    assert.ok(text.includes(`${Math.round(p.distance_m)} m`), `its distance ${Math.round(p.distance_m)} m is printed`);
  }
  assert.match(text, /thai-german-cooperation\.info/, 'with its sources');
  assert.ok(text.includes(`project=${SLUG}`), 'and the address of the live page');

  const th = await printed(context, `/projects/${SLUG}/sheet?lang=th`, 'sheet-mae-kha-th.pdf');
  assert.equal(th.pages, 1);
  // pdftotext puts a space after a stacked Thai vowel and tone mark: compared without spaces.
  assert.ok(th.text.replace(/\s/g, '').includes('โครงการฟื้นฟูคลองแม่ข่า'), 'the Thai sheet has the Thai title');
  assert.ok(th.text.includes('กำลังก่อสร้าง'), 'and its status in Thai');
  assert.deepEqual(problems, []);
  await context.close();
});
