// The static snapshot (`nexus export-site`): exported from the running atlas, served by nginx
// (a plain static file server: no nexus, no database), it draws the same features as the live
// map at the same view, asks nothing of any other address, and opens a project's card with
// its Nexus profile and comments, read-only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { launch, open, idle, shot, screenPoint, newContext } from './browser.mjs';

const SITE = process.env.NEXUS_SITE_URL;
const SITE_DIR = process.env.NEXUS_SITE_DIR;
const BIN = process.env.NEXUS_BIN;
const HOME = process.env.NEXUS_E2E_HOME;
const VIEW = '#city=chiang-mai&map=13/18.7880/98.9950';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Drawn features, not labels (where a label lands depends on what loaded first). */
async function drawn(page) {
  return page.evaluate(() => {
    const map = window.nexusMap;
    const layers = map
      .getStyle()
      .layers.filter((l) => l.type !== 'symbol' && (l.id.startsWith('L:') || l.id.startsWith('projects:')))
      .map((l) => l.id);
    const keys = map
      .queryRenderedFeatures({ layers })
      .map((f) => `${f.layer.id} ${f.layer.id.startsWith('projects:') ? f.properties.slug : f.id}`);
    return [...new Set(keys)].sort();
  });
}

/** The static site opened at `hash`, with what it asked for and what went wrong. */
async function openSite(hash) {
  const context = await newContext(browser);
  const page = await context.newPage();
  const problems = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
  page.on('requestfailed', (r) => { if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()}`); });
  page.on('response', (r) => requests.push({ url: r.url(), status: r.status() }));
  await page.goto(`${SITE}/${hash}`);
  await page.waitForFunction(() => Boolean(window.nexusMap && window.nexusReady));
  await page.evaluate(() => window.nexusReady);
  await idle(page);
  return { page, context, problems, requests };
}

test('the exported site, served by nginx, draws what the live map draws', { skip: !SITE && 'NEXUS_SITE_URL not set' }, async () => {
  // Exported now, so the live atlas (which earlier tests changed) and the snapshot agree.
  const made = spawnSync(BIN, ['--home', HOME, 'export-site', SITE_DIR, '--maxzoom', '13', '--web-dir', 'web/dist'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);

  const live = await open(browser, VIEW);
  const site = await openSite(VIEW);
  const [want, got] = [await drawn(live.page), await drawn(site.page)];
  await shot(site.page, 'static-site');
  assert.ok(want.some((k) => k.startsWith('L:')) && want.some((k) => k.startsWith('projects:')), `the view shows layers and projects: ${want}`);
  assert.deepEqual(got, want);

  // Same catalog and projects in the panels; nothing asked of the server, nothing failed.
  assert.equal(await site.page.locator('#project-count').textContent(), await live.page.locator('#project-count').textContent());
  assert.equal(await site.page.locator('#layer-groups input').count(), await live.page.locator('#layer-groups input').count());
  const elsewhere = site.requests.filter((r) => !r.url.startsWith(SITE) && !r.url.startsWith('data:') && !r.url.startsWith('blob:'));
  assert.deepEqual(elsewhere, []);
  const ranges = site.requests.filter((r) => r.url.endsWith('/atlas.pmtiles'));
  assert.ok(ranges.length > 0 && ranges.every((r) => r.status === 206), `tiles come by range requests: ${JSON.stringify(ranges.slice(0, 3))}`);
  assert.ok(site.requests.some((r) => r.url.includes('/fonts/Nexus%20Sans') && r.status === 200), 'labels drawn from the site\'s glyphs');
  assert.deepEqual(site.problems, []);
  assert.equal(await site.page.locator('#banner').isHidden(), true);

  // Read-only: no search, no planner, no comment form; a project's card still has its profile.
  for (const hidden of ['#search-form', '#planner-toggle']) assert.equal(await site.page.locator(hidden).isVisible(), false, hidden);
  // A project clicked on the map (drawn from projects.geojson) opens its card.
  const projects = await site.page.evaluate(async () => (await fetch('projects.geojson')).json());
  const target = projects.features.find((f) => f.properties.slug === 'cm-innovative-wastewater');
  await site.page.evaluate((c) => { window.nexusMap.jumpTo({ center: c, zoom: 14 }); }, target.geometry.coordinates);
  await idle(site.page);
  const at = await screenPoint(site.page, target.geometry.coordinates);
  await site.page.mouse.click(at.x, at.y);
  await site.page.locator('#card:not([hidden]) .card-title').waitFor();
  assert.equal(await site.page.locator('#card .card-title').textContent(), target.properties.title);
  await site.page.locator('#card .profile[aria-busy="false"]').waitFor();
  assert.equal(await site.page.locator('#card .comments-panel').isVisible(), true);
  assert.equal(await site.page.locator('#card .comment-form').isVisible(), false);
  assert.equal(await site.page.locator('#card [data-action="print-sheet"]').isVisible(), false);
  assert.deepEqual(site.problems, []);
  await live.context.close();
  await site.context.close();
});
