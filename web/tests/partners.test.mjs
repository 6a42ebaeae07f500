// Every partner city on the map (issue 15): each city of data/cities.geojson has a boundary
// layer or a project, and the seed's four kinds of work are each findable with their source,
// none at an invented place.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, open, shot } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const json = async (path) => (await fetch(`${BASE}${path}`)).json();

test('every partner city has a boundary layer or a project', async () => {
  const cities = (await json('/api/cities')).features.map((f) => f.properties.slug);
  const layers = await json('/api/layers');
  const projects = (await json('/collections/projects/items?limit=1000')).features;
  const bare = cities.filter((c) =>
    !layers.some((l) => l.city === c && l.kind === 'boundary' && l.feature_count > 0) && !projects.some((p) => p.properties.city === c));
  assert.deepEqual(bare, [], 'cities with neither');
  for (const slug of ['korat-tambon', 'naga-barangays', 'naga-camarines-sur', 'tpi-riau-islands-kecamatan', 'idn-provinces', 'asia-admin1']) {
    const l = layers.find((x) => x.id === slug);
    assert.ok(l && l.feature_count > 0 && l.source && l.licence, `${slug} is loaded with its source and licence`);
  }
});

test('the four kinds of work are findable in the atlas with their source, none at an invented place', async () => {
  const { page, context, problems, outside } = await open(browser);
  await page.locator('#solution-list [data-solution]').first().waitFor();
  assert.equal(await page.locator('#solution-list [data-solution]').count(), 4);

  // Found by the search box: the health centre has no city, so its card says so.
  await page.fill('#search', 'health centre');
  await page.locator('#search-results button[data-type="solution"][data-id="health-centre-energy-efficiency"]').click();
  await page.locator('#card:not([hidden])[data-slug="solution:health-centre-energy-efficiency"]').waitFor();
  assert.match(await page.locator('#card p.source').textContent(), /thai-german-cooperation\.info/);
  assert.match(await page.locator('#card').textContent(), /No source names a city/);
  await shot(page, '63-solution-health-centre');

  // The canal is a project in Chiang Mai: its solution opens it.
  await page.click('#solution-list [data-solution="mae-kha-canal-rehabilitation"]');
  await page.click('#card button[data-slug="cm-mae-kha-canal-rehabilitation"]');
  await page.locator('#card:not([hidden])[data-slug="cm-mae-kha-canal-rehabilitation"]').waitFor();
  assert.match(await page.locator('#card p.source').textContent(), /thai-german-cooperation\.info\/news\/content\/330/);

  const solutions = (await json('/api/solutions')).solutions;
  for (const s of solutions) assert.ok(s.source, `${s.slug} has its source`);
  const placed = new Set((await json('/collections/projects/items?limit=1000')).features.map((f) => f.properties.slug));
  for (const s of solutions) for (const p of s.projects) assert.ok(placed.has(p.slug), `${p.slug} is a project on the map`);
  assert.deepEqual(solutions.find((s) => s.slug === 'wwtp-rehabilitation').projects, [], 'no invented place for the plant');
  assert.deepEqual(outside, []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a pasted link is followed even when the page rewrites its address before the event', async () => {
  const { page, context, problems } = await open(browser, '#city=chiang-mai');
  // The map rewrites the address as it moves (replaceState); one such write may land between a
  // paste and its hashchange event. The page must follow the link, not its own rewrite.
  await page.evaluate(() => window.nexusReady);
  await page.evaluate(() => {
    const own = location.hash;
    location.hash = '#city=naga&project=naga-del-rosario-waste-to-energy';
    window.history.replaceState(null, '', own);
  });
  await page.locator('#card:not([hidden])[data-slug="naga-del-rosario-waste-to-energy"]').waitFor();
  assert.equal(await page.locator('#city').inputValue(), 'naga');
  assert.deepEqual(problems, []);
  await context.close();
});
