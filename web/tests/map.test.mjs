// The web map end to end: the real page, the real server and PostGIS with the sample atlas,
// in headless Chromium. Screenshots are saved under target/e2e/ for a person to look at.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { BASE, TOKEN, idle, launch, open, rendered, screenPoint, shot, signIn } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function projectsApi(token) {
  const res = await fetch(`${BASE}/collections/projects/items?limit=1000`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return (await res.json()).features;
}

test('the overview opens on the partner cities, offline, with no errors', async () => {
  const { page, context, problems, outside } = await open(browser);
  const cities = await rendered(page, 'cities');
  assert.ok(cities.length >= 10, `cities drawn: ${cities.length}`);
  const options = await page.locator('#city option').count();
  assert.ok(options >= 11, `city picker: ${options}`);
  assert.deepEqual(outside, [], 'nothing is fetched from outside the server (no tiles, fonts, sprites)');
  assert.deepEqual(problems, []);
  await shot(page, '01-overview');
  // The tests' pages ask for reduced motion: labels then appear without fading.
  assert.equal(await page.evaluate(() => window.nexusMap._fadeDuration), 0);
  await context.close();
});

test('labels fade in for those who do not ask for less motion', async () => {
  const { page, context, problems } = await open(browser, '', { motion: 'no-preference' });
  assert.equal(await page.evaluate(() => window.nexusMap._fadeDuration), 300);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a city shows its layers and projects; a click on a project opens its card', async () => {
  const { page, context, problems } = await open(browser, '#city=chiang-mai&map=13/18.7880/98.9950');
  const layers = await rendered(page, 'L:');
  const drawn = new Set(layers.map((f) => f.layer.split(':')[1]));
  for (const id of ['cm-rivers', 'cm-tambon', 'cm-heritage']) assert.ok(drawn.has(id), `${id} is drawn: ${[...drawn]}`);
  const projects = await rendered(page, 'projects:');
  assert.ok(projects.some((p) => p.properties.slug === 'cm-innovative-wastewater'), JSON.stringify(projects.map((p) => p.properties.slug)));
  await shot(page, '02-chiang-mai');

  // Click the project's point on the map.
  const all = await projectsApi();
  const target = all.find((f) => f.properties.slug === 'cm-innovative-wastewater');
  await page.evaluate((c) => { window.nexusMap.jumpTo({ center: c, zoom: 14 }); }, target.geometry.coordinates);
  await idle(page);
  const at = await screenPoint(page, target.geometry.coordinates);
  await page.mouse.click(at.x, at.y);
  await page.locator('#card:not([hidden]) .card-title').waitFor();
  assert.equal(await page.locator('#card .card-title').textContent(), target.properties.title);
  await page.locator('#card .profile[aria-busy="false"]').waitFor();
  assert.match(page.url(), /project=cm-innovative-wastewater/, 'the URL keeps the selected project');
  await shot(page, '03-project-card');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the project list filters, and its card shows both titles and the Nexus profile with rationale', async () => {
  const { page, context, problems } = await open(browser, '#city=chiang-mai');
  const count = async () => Number(await page.locator('#project-count').textContent());
  const inCity = (await projectsApi()).filter((f) => f.properties.city === 'chiang-mai').length;
  assert.ok(inCity >= 2);
  assert.equal(await count(), inCity);
  await page.selectOption('#f-status', 'completed');
  const completed = (await projectsApi()).filter((f) => f.properties.city === 'chiang-mai' && f.properties.status === 'completed').length;
  assert.equal(await count(), completed);
  await page.selectOption('#f-status', '');
  await page.locator('.project-item[data-slug="cm-mae-kha-canal-rehabilitation"]').click();
  await page.locator('#card .profile[aria-busy="false"]').waitFor();
  assert.equal(await page.locator('#card .card-title').textContent(), 'Mae Kha canal rehabilitation');
  assert.equal(await page.locator('#card .title-local').textContent(), 'โครงการฟื้นฟูคลองแม่ข่า');
  const link = page.locator('#card .links li[data-rule="green-riparian"]').first();
  assert.match(await link.textContent(), /flood/i, 'each link is explained by its rule');
  await idle(page);
  await shot(page, '04-mae-kha-card');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the Nexus overlays are toggles that change what is drawn, and links explain themselves', async () => {
  // Looking at where one of Chiang Mai's links is.
  const stored = (await (await fetch(`${BASE}/collections/nexus-links/items?city=chiang-mai`)).json()).features;
  const where = (stored.find((f) => f.geometry.type === 'Point') ?? stored[0]).geometry;
  const [lon, lat] = where.type === 'Point' ? where.coordinates : where.coordinates[0];
  const { page, context, problems } = await open(browser, `#city=chiang-mai&map=14/${lat}/${lon}`);
  assert.equal((await rendered(page, 'links:')).length, 0, 'links start off');
  assert.equal((await rendered(page, 'hex:')).length, 0, 'the grid starts off');
  await page.check('#toggle-links');
  await idle(page);
  const links = await rendered(page, 'links:');
  assert.ok(links.some((l) => l.properties.rule === 'green-riparian'), JSON.stringify(links));
  await page.check('#toggle-hex');
  await idle(page);
  const cells = await rendered(page, 'hex:');
  assert.ok(cells.length > 0 && cells.every((c) => c.properties.sectors >= 1));
  assert.match(page.url(), /nexus=links,hex/);
  await shot(page, '05-overlays');
  await page.uncheck('#toggle-hex');
  await idle(page);
  assert.equal((await rendered(page, 'hex:')).length, 0);
  // A click on a link names its rule and gives its rationale.
  const mid = await page.evaluate(() => {
    const map = window.nexusMap;
    const f = map.queryRenderedFeatures({ layers: ['links:synergy', 'links:point'] })[0];
    const g = f.geometry;
    const c = g.type === 'Point' ? g.coordinates : g.coordinates[Math.floor(g.coordinates.length / 2)];
    return c;
  });
  const at = await screenPoint(page, mid);
  await page.mouse.click(at.x, at.y);
  const popup = page.locator('.link-popup');
  await popup.waitFor();
  assert.match(await popup.textContent(), /Synergy/);
  assert.ok((await popup.locator('.rationale').textContent()).length > 20);
  await shot(page, '06-link-popup');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the city summary is drawn as a heatmap and a chart', async () => {
  const { page, context, problems } = await open(browser, '#city=chiang-mai');
  await page.locator('svg.heatmap[data-effect="synergy"]').waitFor();
  const cells = await page.locator('svg.heatmap[data-effect="synergy"] rect[data-count]').count();
  assert.equal(cells, 25, 'five sectors by five');
  const counted = await page.locator('svg.heatmap[data-effect="synergy"] rect[data-count]:not([data-count="0"])').count();
  assert.ok(counted > 0, 'the Mae Kha synergies show in the matrix');
  const bars = await page.locator('svg.bars rect[data-count]').count();
  assert.ok(bars > 0);
  await page.locator('#summary').screenshot({ path: `${process.env.E2E_OUT ?? 'target/e2e'}/07-summary.png` });
  // It folds away, giving the map the room, and comes back.
  const before = (await page.locator('#map').boundingBox()).height;
  await page.click('#summary-fold');
  assert.ok(await page.locator('svg.heatmap').first().isHidden());
  await page.waitForFunction((h) => document.querySelector('#map').getBoundingClientRect().height > h + 100, before);
  await page.click('#summary-fold');
  await page.locator('svg.heatmap').first().waitFor({ state: 'visible' });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a download yields valid GeoJSON', async () => {
  const { page, context, problems } = await open(browser, '#city=chiang-mai');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('#project-downloads a[data-format="geojson"]').click(),
  ]);
  const text = await readFile(await download.path(), 'utf8');
  const fc = JSON.parse(text);
  assert.equal(fc.type, 'FeatureCollection');
  const inCity = (await projectsApi()).filter((f) => f.properties.city === 'chiang-mai').length;
  assert.ok(inCity >= 2);
  assert.equal(fc.features.length, inCity, 'the download holds the filtered list');
  assert.ok(fc.features.every((f) => f.type === 'Feature' && f.properties.city === 'chiang-mai' && f.geometry));
  // A layer's download from its info popover.
  await page.locator('button.info[aria-label$="Ping basin rivers"]').click();
  const [layerDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('[data-info="cm-rivers"] a[data-format="geojson"]').click(),
  ]);
  const rivers = JSON.parse(await readFile(await layerDownload.path(), 'utf8'));
  assert.equal(rivers.features.length, 94);
  assert.deepEqual(problems, []);
  await context.close();
});

test('English and Thai, and the URL reopens the same view', async () => {
  const { page, context, problems } = await open(browser, '#city=chiang-mai&nexus=links&project=cm-mae-kha-canal-rehabilitation');
  await page.locator('#card .card-title').waitFor();
  await page.click('button[data-lang="th"]');
  assert.equal(await page.locator('#projects-title [data-i18n="projects"]').textContent(), 'โครงการ');
  assert.match(page.url(), /lang=th/);
  const url = page.url();
  const again = await open(browser, url.slice(url.indexOf('#')));
  assert.equal(await again.page.locator('#projects-title [data-i18n="projects"]').textContent(), 'โครงการ');
  assert.equal(await again.page.locator('#city').inputValue(), 'chiang-mai');
  assert.ok(await again.page.isChecked('#toggle-links'));
  const links = await again.page.evaluate(() => window.nexusMap.getLayoutProperty('links:synergy', 'visibility'));
  assert.equal(links, 'visible', 'the links are drawn, not only ticked');
  const [zoom, center] = await Promise.all([
    page.evaluate(() => window.nexusMap.getZoom()), page.evaluate(() => window.nexusMap.getCenter().toArray())]);
  const [zoom2, center2] = await Promise.all([
    again.page.evaluate(() => window.nexusMap.getZoom()), again.page.evaluate(() => window.nexusMap.getCenter().toArray())]);
  assert.ok(Math.abs(zoom - zoom2) < 0.01 && Math.abs(center[0] - center2[0]) < 1e-4 && Math.abs(center[1] - center2[1]) < 1e-4,
    `the same view: ${zoom}/${center} vs ${zoom2}/${center2}`);
  await again.page.locator('#card .card-title').waitFor();
  // In Thai the card leads with the Thai title, the English one beneath it.
  assert.equal(await again.page.locator('#card .card-title').textContent(), 'โครงการฟื้นฟูคลองแม่ข่า');
  assert.equal(await again.page.locator('#card .title-local').textContent(), 'Mae Kha canal rehabilitation');
  await shot(again.page, '08-thai');
  // A link pasted into the open tab (only the hash changes) is followed too.
  await again.page.evaluate(() => { location.hash = '#city=naga&nexus=hex&lang=en'; });
  await again.page.waitForFunction(() => document.querySelector('#city').value === 'naga');
  assert.equal(await again.page.locator('#projects-title [data-i18n="projects"]').textContent(), 'Projects');
  assert.ok(await again.page.isChecked('#toggle-hex'));
  assert.ok(!(await again.page.isChecked('#toggle-links')));
  assert.deepEqual([...problems, ...again.problems], []);
  await again.context.close();
  await context.close();
});

test('on a phone the map fills the screen and the panels fold into sheets', async () => {
  const { page, context, problems } = await open(browser, '#city=chiang-mai', { viewport: { width: 390, height: 800 } });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling: ${overflow}px`);
  const box = await page.locator('#map').boundingBox();
  assert.ok(box.width >= 380 && box.height > 500, JSON.stringify(box));
  // The city's Nexus pictures are a sheet of their own.
  await page.locator('.summary-toggle').click();
  await page.locator('#summary svg.heatmap[data-effect="synergy"]').waitFor({ state: 'visible' });
  await shot(page, '09-phone-summary');
  await page.locator('.summary-toggle').click();
  await page.locator('#right .sheet-toggle').click();
  await page.locator('.project-item').first().click();
  await page.locator('#card:not([hidden]) .card-title').waitFor();
  await idle(page);
  await shot(page, '09-phone');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a planner uploads a layer and sees it on the map', async () => {
  const { page, context, problems } = await open(browser, '#city=chiang-mai&map=14/18.79/98.99');
  await signIn(page);
  await page.fill('#up-id', 'cm-e2e-farms');
  await page.fill('#up-title', 'Community gardens');
  await page.selectOption('#up-kind', 'farmland');
  await page.selectOption('#up-sector', 'food');
  const square = (x, y) => ({ type: 'Polygon', coordinates: [[[x, y], [x + 0.003, y], [x + 0.003, y + 0.003], [x, y + 0.003], [x, y]]] });
  const fc = { type: 'FeatureCollection', features: [
    { type: 'Feature', geometry: square(98.985, 18.785), properties: { name: 'Garden 1' } },
    { type: 'Feature', geometry: square(98.992, 18.789), properties: { name: 'Garden 2' } },
  ] };
  await page.setInputFiles('#up-file', { name: 'gardens.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(fc)) });
  await page.click('#upload-form button[type="submit"]');
  await page.locator('#up-report[data-committed="true"]').waitFor();
  assert.match(await page.locator('#up-report').textContent(), /loaded 2/);
  await page.waitForFunction(() => window.nexusMap.getSource('L:cm-e2e-farms'));
  await idle(page);
  const drawn = (await rendered(page, 'L:cm-e2e-farms')).map((f) => f.properties.name);
  assert.ok(drawn.includes('Garden 1') && drawn.includes('Garden 2'), JSON.stringify(drawn));
  assert.equal(await page.locator('#layer-cm-e2e-farms').isChecked(), true, 'it is in the layer panel, on');
  await shot(page, '10-uploaded');
  // A new upload is a draft (its tiles came with the planner's token): the public has none of it.
  const pub = await open(browser, '#city=chiang-mai&map=14/18.79/98.99');
  assert.equal(await pub.page.locator('#layer-cm-e2e-farms').count(), 0);
  assert.equal(await pub.page.evaluate(() => Boolean(window.nexusMap.getSource('L:cm-e2e-farms'))), false);
  assert.deepEqual(pub.problems, []);
  await pub.context.close();
  assert.deepEqual(problems, []);
  await context.close();
});

test('a planner sketches a project, sees its what-if, saves a draft the public never sees, then publishes', async () => {
  const { page, context, problems } = await open(browser, '#city=chiang-mai&map=14/18.79/98.99');
  await signIn(page);
  // A waste site 150 m from the Mae Kha canal: a conflict.
  const canal = (await (await fetch(`${BASE}/collections/cm-mae-kha-canal/items`)).json()).features[0].geometry;
  const line = canal.type === 'MultiLineString' ? canal.coordinates[0] : canal.coordinates;
  const [lon, lat] = line[Math.floor(line.length / 2)];
  const site = [lon + 0.0014, lat];
  await page.evaluate((c) => { window.nexusMap.jumpTo({ center: c, zoom: 15 }); }, site);
  await idle(page);
  await page.click('button[data-mode="point"]');
  const at = await screenPoint(page, site);
  await page.mouse.click(at.x, at.y);
  await page.fill('#sk-title', 'E2E transfer station');
  await page.selectOption('#sk-sector', 'waste');
  await page.selectOption('#sk-kind', 'waste_site');
  await page.click('#sk-evaluate');
  const conflict = page.locator('#whatif-result li[data-effect="conflict"]').first();
  await conflict.waitFor();
  assert.match(await conflict.textContent(), /Khlong Mae Kha|Mae Kha/);
  await idle(page);
  await shot(page, '11-what-if');
  await page.click('#sk-save');
  await page.locator('#sk-message[data-saved$=":draft"]').waitFor();
  const mine = (await projectsApi(TOKEN)).find((f) => f.properties.title === 'E2E transfer station');
  assert.equal(mine?.properties.visibility, 'draft');
  await page.locator(`.project-item[data-slug="${mine.properties.slug}"]`).waitFor();

  // The public: not in the list, not on the map, not in the API.
  const pub = await open(browser, '#city=chiang-mai&map=15/' + site[1] + '/' + site[0]);
  assert.equal(await pub.page.locator(`.project-item[data-slug="${mine.properties.slug}"]`).count(), 0);
  const drawn = [...(await rendered(pub.page, 'projects:')), ...(await rendered(pub.page, 'drafts:'))];
  assert.ok(!drawn.some((f) => f.properties.slug === mine.properties.slug), 'the public never sees a draft');
  assert.ok(!(await projectsApi()).some((f) => f.properties.slug === mine.properties.slug));
  assert.deepEqual(pub.problems, []);
  await pub.context.close();

  await page.click('#sk-publish');
  await page.locator(`#sk-message[data-saved="${mine.properties.slug}:public"]`).waitFor();
  const after = await open(browser, '#city=chiang-mai&map=15/' + site[1] + '/' + site[0]);
  await after.page.locator(`.project-item[data-slug="${mine.properties.slug}"]`).waitFor();
  await after.page.waitForFunction((slug) => {
    const map = window.nexusMap;
    return map.queryRenderedFeatures({ layers: ['projects:point'] }).some((f) => f.properties.slug === slug);
  }, mine.properties.slug, { timeout: 10000 });
  await shot(after.page, '12-published');
  assert.deepEqual(after.problems, []);
  await after.context.close();
  assert.deepEqual(problems, []);
  await context.close();
});

test('search finds a project by name and opens its card', async () => {
  const { page, context, problems } = await open(browser);
  await page.fill('#search', 'mae kha canal');
  await page.press('#search', 'Enter');
  await page.locator('#card:not([hidden]) .card-title').waitFor();
  assert.equal(await page.locator('#card .card-title').textContent(), 'Mae Kha canal rehabilitation');
  assert.equal(await page.locator('#city').inputValue(), 'chiang-mai', 'the city follows the project');
  await page.fill('#search', 'Naga');
  await page.press('#search', 'Enter');
  await page.waitForFunction(() => location.hash.includes('city=naga'));
  assert.equal(await page.locator('#card').isHidden(), true, 'a city name finds the city, and its project card closes');
  assert.doesNotMatch(page.url(), /project=/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a planner edits a project from its card; what the form does not show is kept', async () => {
  const slug = 'cm-innovative-wastewater';
  const before = (await projectsApi(TOKEN)).find((f) => f.properties.slug === slug).properties;
  const { page, context, problems } = await open(browser, `#city=chiang-mai&project=${slug}`);
  assert.equal(await page.locator('#card-edit').count(), 0, 'the public gets no edit button');
  await signIn(page);
  await page.click('#card-edit');
  assert.equal(await page.inputValue('#sk-title'), before.title);
  await page.selectOption('#sk-status', 'under_construction');
  await page.click('#sk-publish');
  await page.locator(`#sk-message[data-saved="${slug}:public"]`).waitFor();
  const after = (await projectsApi()).find((f) => f.properties.slug === slug).properties;
  assert.equal(after.status, 'under_construction');
  for (const k of ['title', 'title_local', 'description', 'description_local', 'partners', 'sectors', 'dimensions', 'kind',
    'start_date', 'end_date', 'budget', 'currency', 'approximate', 'source', 'city']) {
    assert.deepEqual(after[k], before[k], `${k} is kept`);
  }
  assert.ok(after.revision > before.revision);

  // Another planner saves it meanwhile: this page's next save is refused, not silently lost.
  await page.click('#card-edit');
  const other = { type: 'Feature', geometry: null, properties: { ...after, status: 'planned' } };
  delete other.properties.revision;
  delete other.properties.updated_at;
  const current = (await projectsApi(TOKEN)).find((f) => f.properties.slug === slug);
  other.geometry = current.geometry;
  const res = await fetch(`${BASE}/api/projects/${slug}`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(other) });
  assert.equal(res.status, 200, await res.text());
  await page.selectOption('#sk-status', 'completed');
  await page.click('#sk-publish');
  await page.locator("#sk-message", { hasText: "reload" }).waitFor();
  assert.equal((await projectsApi()).find((f) => f.properties.slug === slug).properties.status, 'planned');
  assert.deepEqual(problems.filter((p) => !p.includes('412')), [], 'the refused save is the only error');
  await context.close();
});

test('hostile names are shown as text, never run as HTML', async () => {
  const hostile = '<img src=x onerror="window.pwn=1">';
  const body = { type: 'Feature', geometry: { type: 'Point', coordinates: [98.99, 18.79] },
    properties: { slug: 'cm-hostile', city: 'chiang-mai', title: hostile, title_local: '<b>bold</b>',
      sectors: ['waste'], status: 'idea', visibility: 'public', source: 'javascript:window.pwn=2', partners: ['<script>window.pwn=3</script>'] } };
  const res = await fetch(`${BASE}/api/projects`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) });
  assert.equal(res.status, 201, await res.text());
  const { page, context, problems } = await open(browser, '#city=chiang-mai&project=cm-hostile');
  await page.locator('#card .profile[aria-busy="false"]').waitFor();
  assert.equal(await page.locator('#card .card-title').textContent(), hostile);
  assert.equal(await page.locator('#card .title-local').textContent(), '<b>bold</b>');
  assert.equal(await page.locator('#card img, #card b, #card script, .project-list img').count(), 0);
  assert.equal(await page.locator('a[href^="javascript"]').count(), 0);
  assert.equal(await page.evaluate(() => window.pwn), undefined);
  assert.deepEqual(problems, []);
  await context.close();
});
