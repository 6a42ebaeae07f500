// What a first-time visitor stumbled on (issue 17, findings 4 to 9), walked through on the
// real page at desktop and phone sizes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PHONE, idle, launch, open, screenPoint, shot } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The texts of the city summary's pictures that reach outside their picture. */
async function cutLabels(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('#summary-body svg')].flatMap((svg) => {
      const box = svg.getBoundingClientRect();
      return [...svg.querySelectorAll('text')]
        .filter((t) => {
          const r = t.getBoundingClientRect();
          return r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1;
        })
        .map((t) => t.textContent);
    }),
  );
}

for (const [name, viewport] of [['desktop', undefined], ['phone', PHONE]]) {
  test(`finding 4 (${name}): search finds places, prefers the chosen city, and lists what it found`, async () => {
    const { page, context, problems } = await open(browser, '#city=chiang-mai&map=11/18.79/98.99', viewport ? { viewport } : undefined);
    // A tambon by its English name: listed, picked, and the map goes there.
    await page.fill('#search', 'Hai Ya');
    const option = page.locator('#search-results button[data-type="feature"]', { hasText: 'Hai Ya' }).first();
    await option.waitFor();
    await option.click();
    await page.waitForFunction(() => window.nexusMap.getZoom() >= 13 && !window.nexusMap.isMoving());
    const hit = (await (await fetch(`${BASE}/api/search?q=Hai%20Ya&city=chiang-mai`)).json()).results[0];
    const [w, s, e, n] = hit.bbox;
    const c = await page.evaluate(() => window.nexusMap.getCenter().toArray());
    assert.ok(c[0] >= w - 0.01 && c[0] <= e + 0.01 && c[1] >= s - 0.01 && c[1] <= n + 0.01, `centre ${c} in ${hit.bbox}`);
    // "Ping" in Chiang Mai: a list, Chiang Mai's things first, not Korat's pumping project.
    await page.fill('#search', 'Ping');
    await page.locator('#search-results button').nth(1).waitFor();
    const first = await page.locator('#search-results button').first().textContent();
    assert.doesNotMatch(first, /pumping/i);
    assert.match(first, /chiang-mai/);
    // In Thai, then Enter takes the first.
    await page.fill('#search', 'หายยา');
    await page.locator('#search-results button', { hasText: 'หายยา' }).first().waitFor();
    await page.press('#search', 'Enter');
    await page.locator('#search-results').waitFor({ state: 'hidden' });
    await idle(page);
    assert.deepEqual(problems, []);
    await shot(page, `23-search-${name}`);
    await context.close();
  });
}

for (const [name, viewport] of [['desktop', undefined], ['phone', PHONE]]) {
  test(`finding 5 (${name}): the selected project stands out and is framed beside its card, not under it`, async () => {
    const slug = 'cm-mae-kha-canal-rehabilitation';
    const { page, context, problems } = await open(browser, '#city=chiang-mai', viewport ? { viewport } : undefined);
    await page.evaluate((s) => { location.hash = `#city=chiang-mai&project=${s}`; }, slug);
    await page.locator(`#card[data-slug="${slug}"]:not([hidden])`).waitFor();
    await page.waitForFunction(() => !window.nexusMap.isMoving());
    await idle(page);
    // Drawn in its own style, above the canal it follows.
    const selected = await page.evaluate(() => window.nexusMap.queryRenderedFeatures({ layers: ['selected:line', 'selected:point'] }).length);
    assert.ok(selected > 0, 'the selected project is highlighted');
    const layers = await page.evaluate(() => window.nexusMap.getStyle().layers.map((l) => l.id));
    assert.ok(layers.indexOf('selected:line') > layers.indexOf('projects:line'), 'the highlight is drawn above the projects');
    // None of its points lies under the card.
    const geometry = (await (await fetch(`${BASE}/collections/projects/items?slug=${slug}`)).json()).features[0].geometry;
    const coords = JSON.stringify(geometry.coordinates).match(/-?\d+\.?\d*,-?\d+\.?\d*/g).map((p) => p.split(',').map(Number));
    const covered = await page.evaluate((pts) => {
      const map = window.nexusMap;
      const r = document.getElementById('card').getBoundingClientRect();
      const m = map.getContainer().getBoundingClientRect();
      return pts.filter(([lon, lat]) => {
        const p = map.project([lon, lat]);
        const x = m.left + p.x;
        const y = m.top + p.y;
        return x >= r.left && x <= r.right && y >= r.top && y <= r.bottom;
      }).length;
    }, coords);
    assert.equal(covered, 0, `${covered} of ${coords.length} points of the project lie under its card`);
    await shot(page, `24-selected-${name}`);
    // Closing the card takes the highlight away.
    await page.click('#card .close');
    await page.waitForFunction(() => window.nexusMap.queryRenderedFeatures({ layers: ['selected:line', 'selected:point'] }).length === 0);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

for (const [name, viewport] of [['desktop', undefined], ['phone', PHONE]]) {
  test(`finding 6 (${name}): the first page names every partner city, shows them all, and a city goes to the city`, async () => {
    const { page, context, problems } = await open(browser, '', viewport ? { viewport } : undefined);
    const cities = (await (await fetch(`${BASE}/api/cities`)).json()).features;
    // Every city in view, each with its name on the map.
    const outside = await page.evaluate((cs) => {
      const map = window.nexusMap;
      const { width, height } = map.getContainer().getBoundingClientRect();
      return cs.filter((c) => {
        const p = map.project(c.geometry.coordinates);
        return p.x < 0 || p.y < 0 || p.x > width || p.y > height;
      }).map((c) => c.properties.slug);
    }, cities);
    const at = await page.evaluate(() => `${window.nexusMap.getZoom()} ${window.nexusMap.getCenter()} ${location.hash}`);
    assert.deepEqual(outside, [], `every partner city is in view (${at})`);
    const labels = await page.locator('.city-label:visible .city-name').allTextContents();
    for (const c of cities) assert.ok(labels.includes(c.properties.name), `${c.properties.name} is labelled: ${labels}`);
    // The project list says where each project is.
    const first = await page.locator('.project-item .project-city').first().textContent();
    assert.ok(cities.some((c) => c.properties.name === first), first);
    await shot(page, `25-overview-${name}`);
    const cm = cities.find((c) => c.properties.slug === 'chiang-mai');
    if (!viewport) {
      // A hover says what the city holds.
      const at = await screenPoint(page, cm.geometry.coordinates);
      await page.mouse.move(at.x, at.y);
      await page.locator('.city-hover', { hasText: 'Chiang Mai' }).waitFor();
      assert.match(await page.locator('.city-hover').textContent(), /\d+ projects/);
      // A click on the dot goes to the city, not to a project drawn in it.
      await page.mouse.click(at.x, at.y);
    } else {
      await page.click('.city-label[data-slug="chiang-mai"]');
    }
    await page.waitForFunction(() => location.hash.includes('city=chiang-mai'));
    await page.waitForFunction(() => !window.nexusMap.isMoving() && window.nexusMap.getZoom() > 10);
    assert.equal(await page.locator('#card').isHidden(), true, 'no project card opened');
    assert.deepEqual(problems, []);
    await context.close();
  });
}

for (const [name, viewport] of [['desktop', { width: 1280, height: 720 }], ['phone', PHONE]]) {
  test(`finding 9 (${name}): the city summary gives the map room, says what it counts, and a cell shows its links`, async () => {
    const { page, context, problems } = await open(browser, '#city=chiang-mai', { viewport });
    if (name === 'desktop') {
      assert.equal(await page.locator('#summary-body').isHidden(), true, 'folded on a short screen');
      await page.click('#summary-fold');
    } else {
      await page.click('.summary-toggle');
    }
    const title = page.locator('svg.heatmap[data-effect="synergy"] .chart-title');
    await title.waitFor();
    assert.match(await title.textContent(), /^Synergy: \d+ links$/);
    assert.match(await page.locator('#summary-body .legend-note').textContent(), /counts in each pair/);
    // No label is cut: every text of the pictures lies inside its picture.
    const cut = await cutLabels(page);
    assert.deepEqual(cut, [], 'labels cut');
    // A cell with links shows those links alone on the map.
    const cell = page.locator('svg.heatmap rect.cell-link').first();
    const effect = await cell.evaluate((r) => r.closest('svg').dataset.effect);
    await cell.click();
    await page.locator('#links-pair').waitFor();
    // The whole city in view, wherever its links lie.
    await page.evaluate(() => { window.nexusMap.jumpTo({ zoom: 9.5 }); });
    await idle(page);
    const shown = await page.evaluate(() =>
      window.nexusMap.queryRenderedFeatures({ layers: ['links:synergy', 'links:conflict', 'links:constraint', 'links:point'] }).map((f) => f.properties.effect),
    );
    assert.ok(shown.length > 0 && shown.every((e) => e === effect), `${effect}: ${shown}`);
    const filter = () => page.evaluate(() => JSON.stringify(window.nexusMap.getFilter('links:conflict')));
    assert.match(await filter(), /from_sector_list/, 'the other effects are filtered away too');
    await shot(page, `27-summary-cell-${name}`);
    await page.click('#links-show-all');
    assert.doesNotMatch(await filter(), /from_sector_list/, 'all links again');
    assert.deepEqual(problems, []);
    await context.close();
  });
}

/** A feature's middle in longitude/latitude (a point's own, a line's middle vertex, a ring's average). */
function middle(geometry) {
  const g = geometry.type.startsWith('Multi') ? { type: geometry.type.slice(5), coordinates: geometry.coordinates[0] } : geometry;
  if (g.type === 'Point') return g.coordinates;
  if (g.type === 'LineString') return g.coordinates[Math.floor(g.coordinates.length / 2)];
  const ring = g.coordinates[0].slice(0, -1);
  return [ring.reduce((a, p) => a + p[0], 0) / ring.length, ring.reduce((a, p) => a + p[1], 0) / ring.length];
}

/** Centres the map on `lonlat`, waits, and clicks the map there. */
async function clickAt(page, lonlat) {
  await page.evaluate((c) => { window.nexusMap.jumpTo({ center: c }); }, lonlat);
  await idle(page);
  const at = await screenPoint(page, lonlat);
  await page.mouse.click(at.x, at.y);
}

for (const [name, viewport] of [['desktop', undefined], ['phone', PHONE]]) {
  test(`finding 8 (${name}): the overlays explain themselves: hexagons say what meets, popups hide styling, a link opens its project`, async () => {
    const { page, context, problems } = await open(browser, '#city=chiang-mai&map=13/18.788/98.99&nexus=hex', viewport ? { viewport } : undefined);
    // A hexagon answers a click with what meets in it.
    const hexes = await page.evaluate(() =>
      window.nexusMap.queryRenderedFeatures({ layers: ['hex:fill'] }).filter((f) => f.properties.sectors >= 1).slice(0, 20).map((f) => f.toJSON()),
    );
    assert.ok(hexes.length, 'a hexagon is drawn');
    // A hexagon's middle with nothing drawn above it (a project or link there answers first).
    // Those free where they lie now are tried first: each try moves and redraws the map.
    const middles = hexes.map((h) => middle(h.geometry));
    const freeHere = await page.evaluate((cs) => cs.map((at) => {
      const map = window.nexusMap;
      const p = map.project(at);
      const r = map.getContainer().getBoundingClientRect();
      if (document.elementFromPoint(r.left + p.x, r.top + p.y) !== map.getCanvas()) return false;
      const layers = map.getStyle().layers.map((l) => l.id).filter((id) => /^(projects|drafts|links|selected):|^cities$/.test(id));
      return map.queryRenderedFeatures(p, { layers }).length === 0;
    }), middles);
    let free = null;
    for (const c of [...middles.filter((_, i) => freeHere[i]), ...middles.filter((_, i) => !freeHere[i])]) {
      await page.evaluate((at) => { window.nexusMap.jumpTo({ center: at }); }, c);
      await idle(page);
      const above = await page.evaluate((at) => {
        const map = window.nexusMap;
        const layers = map.getStyle().layers.map((l) => l.id).filter((id) => /^(projects|drafts|links|selected):|^cities$/.test(id));
        return map.queryRenderedFeatures(map.project(at), { layers }).length;
      }, c);
      if (!above) {
        free = c;
        break;
      }
    }
    assert.ok(free, 'a hexagon with nothing above its middle');
    await clickAt(page, free);
    await page.locator('.hex-popup', { hasText: 'sectors meet here' }).waitFor();
    await page.keyboard.press('Escape');
    await page.evaluate(() => document.querySelectorAll('.maplibregl-popup').forEach((p) => p.remove()));
    // The heritage zone's popup shows what it is, not KML's drawing hints.
    await page.evaluate(() => { location.hash = '#city=chiang-mai&map=14/18.788/98.987'; });
    await idle(page);
    const zone = (await (await fetch(`${BASE}/collections/cm-heritage/items`)).json()).features[0];
    await clickAt(page, middle(zone.geometry));
    const popup = page.locator('.feature-popup').first();
    await popup.waitFor();
    assert.doesNotMatch(await popup.textContent(), /tessellate|drawOrder|altitudeMode/i);
    // Its sidecar chose the fields a reader wants, in that order (popup_fields).
    const terms = await popup.locator('dt').allTextContents();
    assert.deepEqual(terms, ['Name', 'name_local', 'description', 'source'].filter((k) => zone.properties[k]));
    await page.evaluate(() => document.querySelectorAll('.maplibregl-popup').forEach((p) => p.remove()));
    // A link of a project opens the project.
    await page.evaluate(() => { location.hash = '#city=chiang-mai&map=12/18.79/98.99&nexus=links'; });
    await idle(page);
    const link = await page.evaluate(() =>
      window.nexusMap.queryRenderedFeatures({ layers: ['links:synergy', 'links:conflict', 'links:constraint', 'links:point'] })
        .find((f) => String(f.properties.from_ref).startsWith('project:'))?.toJSON(),
    );
    assert.ok(link, 'a link of a project is drawn');
    await clickAt(page, middle(link.geometry));
    const opener = page.locator('.link-popup .open-project').first();
    await opener.waitFor();
    // Its sources read as titles, linked.
    const cited = page.locator('.link-popup a.cited');
    assert.ok((await cited.count()) > 0, 'the sources are linked titles');
    assert.doesNotMatch(await cited.first().textContent(), /^\[S\d+\]$/);
    const slug = await opener.getAttribute('data-slug');
    await opener.click();
    await page.locator(`#card[data-slug="${slug}"]:not([hidden])`).waitFor();
    // Its card's Nexus profile cites its sources by title too.
    await page.locator('#card .profile a.cited').first().waitFor();
    assert.deepEqual(problems, []);
    await shot(page, `28-overlays-${name}`);
    await context.close();
  });
}

for (const [name, viewport] of [['desktop', { width: 1400, height: 900 }], ['phone', PHONE]]) {
  test(`finding 7 (${name}): a browser set to Thai gets the page in Thai: interface, layers, cards, rules, and no cut labels`, async () => {
    const slug = 'cm-mae-kha-canal-rehabilitation';
    const { page, context, problems } = await open(browser, `#city=chiang-mai&project=${slug}`, { viewport, locale: 'th-TH' });
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'th');
    assert.match(await page.textContent('#status'), /เมือง/);
    // The card's headline is the Thai title; its Nexus profile explains itself in Thai.
    const project = (await (await fetch(`${BASE}/collections/projects/items?slug=${slug}`)).json()).features[0].properties;
    await page.locator(`#card[data-slug="${slug}"] .card-title`).waitFor();
    assert.equal(await page.textContent('#card .card-title'), project.title_local);
    await page.locator('#card .profile li').first().waitFor();
    assert.match(await page.textContent('#card .profile'), /โครงสร้างพื้นฐานสีเขียวริมน้ำ/);
    // Layers by their Thai titles.
    const layers = await page.locator('#layer-groups label').allTextContents();
    assert.ok(layers.some((l) => l.includes('คลองแม่ข่า')), layers.join(' | '));
    // The city's Nexus in Thai, nothing cut.
    await page.click('#card .close');
    if (name === 'phone') await page.click('.summary-toggle');
    else if (await page.locator('#summary-body').isHidden()) await page.click('#summary-fold');
    await page.locator('svg.heatmap').first().waitFor();
    const cut = await cutLabels(page);
    assert.deepEqual(cut, [], 'labels cut');
    const axis = await page.locator('svg.heatmap .axis').allTextContents();
    assert.ok(axis.includes('พลังงาน') && axis.includes('อาหาร'), axis.join(' | '));
    assert.deepEqual(problems, []);
    await shot(page, `29-thai-${name}`);
    await context.close();
  });
}
