// What a first-time visitor and a planner stumbled on (issue 17), each walked through on
// the real page at desktop and phone sizes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, TOKEN, idle, launch, open, screenPoint, shot, signIn } from './browser.mjs';

const PHONE = { width: 390, height: 844 };
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** A place about 150 m east of the middle of the Mae Kha canal. */
async function nearTheCanal() {
  const canal = (await (await fetch(`${BASE}/collections/cm-mae-kha-canal/items`)).json()).features[0].geometry;
  const line = canal.type === 'MultiLineString' ? canal.coordinates[0] : canal.coordinates;
  const [lon, lat] = line[Math.floor(line.length / 2)];
  return [lon + 0.0014, lat];
}

async function draftTitles() {
  const res = await fetch(`${BASE}/collections/projects/items?limit=1000`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (await res.json()).features.map((f) => f.properties);
}

/** Opens the atlas at `site`, signs in and sketches a point there (by map centre on phones). */
async function sketchAt(site, viewport) {
  const o = await open(browser, `#city=chiang-mai&map=15/${site[1]}/${site[0]}`, viewport ? { viewport } : undefined);
  await signIn(o.page);
  await o.page.click('button[data-mode="point"]');
  if (viewport) {
    await o.page.evaluate((c) => window.nexusMap.jumpTo({ center: c }), site);
    await o.page.click('#sketch-centre');
  } else {
    const at = await screenPoint(o.page, site);
    await o.page.mouse.click(at.x, at.y);
  }
  return o;
}

test('finding 1: a sketch with an ordinary title saves, and its what-if stays on screen', async () => {
  const site = await nearTheCanal();
  const { page, context, problems } = await sketchAt(site);
  await page.selectOption('#sk-kind', 'waste_site');
  await page.selectOption('#sk-sector', 'waste');
  await page.fill('#sk-title', 'New transfer station near Mae Kha');
  await page.click('#sk-evaluate');
  await page.locator('#whatif-result li[data-effect="conflict"]').first().waitFor();
  await page.click('#sk-save');
  const saved = page.locator('#sk-message[data-saved$=":draft"]');
  await saved.waitFor();
  const slug = (await saved.getAttribute('data-saved')).split(':')[0];
  assert.match(slug, /^chiang-mai-new-transfer-station-near-mae-kha(-\d+)?$/);
  assert.ok(await page.locator('#whatif-result li[data-effect="conflict"]').first().isVisible(), 'the what-if is still shown');
  assert.doesNotMatch(await page.textContent('#sk-message'), /file|column/);
  assert.ok((await draftTitles()).some((p) => p.slug === slug && p.visibility === 'draft'));
  assert.deepEqual(problems, []);
  await shot(page, '20-sketch-saved');
  await context.close();
});

test('finding 1 on a phone: a 120-character Thai title saves as a draft', async () => {
  const site = await nearTheCanal();
  const { page, context, problems } = await sketchAt([site[0] + 0.01, site[1]], PHONE);
  const title = 'สถานีขนถ่ายขยะแห่งใหม่ใกล้คลองแม่ข่า '.repeat(4).slice(0, 120);
  await page.selectOption('#sk-kind', 'waste_site');
  await page.fill('#sk-title', title);
  await page.click('#sk-save');
  const saved = page.locator('#sk-message[data-saved$=":draft"]');
  await saved.waitFor();
  const slug = (await saved.getAttribute('data-saved')).split(':')[0];
  assert.match(slug, /^chiang-mai-[a-z0-9-]+$/);
  assert.ok((await draftTitles()).some((p) => p.slug === slug && p.title === title));
  assert.deepEqual(problems, []);
  await shot(page, '21-phone-thai-sketch-saved');
  await context.close();
});

for (const [name, viewport] of [['desktop', undefined], ['phone', PHONE]]) {
  test(`finding 2 (${name}): the what-if asks what the sketch is and says what it checked`, async () => {
    const site = await nearTheCanal();
    const { page, context, problems } = await sketchAt(site, viewport);
    // Kinds are words, not codes.
    const options = await page.locator('#sk-kind option').allTextContents();
    assert.ok(options.includes('Waste site (landfill, transfer station)'), options.join(' | '));
    assert.ok(!options.some((o) => /^[a-z_]+$/.test(o)), `raw codes: ${options.join(' | ')}`);
    // Only a sector, as the resident did: no all-clear, a question instead.
    await page.selectOption('#sk-sector', 'waste');
    await page.click('#sk-evaluate');
    await page.locator('#whatif-result', { hasText: 'Choose what it is first' }).waitFor();
    assert.doesNotMatch(await page.textContent('#whatif-result'), /Conflict 0/);
    // The kind says which rules it brings, then the what-if finds the conflict.
    await page.selectOption('#sk-kind', 'waste_site');
    assert.match(await page.textContent('#sk-kind-rules'), /Landfill near surface water/);
    await page.click('#sk-evaluate');
    await page.locator('#whatif-result li[data-effect="conflict"]').first().waitFor();
    assert.match(await page.textContent('#whatif-checked'), /^Checked \d+ of 15 rules against \d+ layers and the projects within 3 km\.$/);
    // Something that meets nothing says what was checked.
    await page.selectOption('#sk-kind', 'solar_farm');
    await page.click('#sk-evaluate');
    await page.locator('#whatif-checked', { hasText: 'Nothing found.' }).waitFor();
    assert.match(await page.textContent('#whatif-checked'), /^Nothing found\. Checked 2 of 15 rules against \d+ layers and the projects where they touch\.$/);
    await idle(page);
    assert.deepEqual(problems, []);
    await shot(page, `22-what-if-checked-${name}`);
    await context.close();
  });
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
    const labels = await page.locator('.city-label:visible').allTextContents();
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

for (const [name, viewport] of [['desktop', undefined], ['phone', PHONE]]) {
  test(`finding 10 (${name}): the planner's panel puts the sketch first, rings each rule's distance, and names each row's layer`, async () => {
    const site = await nearTheCanal();
    const { page, context, problems } = await sketchAt(site, viewport);
    const order = await page.evaluate(() => {
      const body = document.getElementById('planner-body');
      const kids = [...body.children];
      return [kids.findIndex((k) => k.querySelector('#sk-title')), kids.indexOf(document.getElementById('upload-form'))];
    });
    assert.ok(order[0] >= 0 && order[0] < order[1], `sketch before upload: ${order}`);
    await page.selectOption('#sk-kind', 'waste_site');
    await page.selectOption('#sk-sector', 'waste');
    await page.click('#sk-evaluate');
    await page.locator('#whatif-result li[data-effect="conflict"]').first().waitFor();
    const reach = await page.locator('#whatif-reach li').allTextContents();
    assert.ok(reach.some((r) => /^500 m: .*Landfill near surface water/.test(r)), reach.join(' | '));
    assert.ok(reach.some((r) => /^3 km: Landfill near an airport/.test(r)), reach.join(' | '));
    const rows = await page.locator('#whatif-result ul.links li').allTextContents();
    const canal = rows.filter((r) => r.includes('Mae Kha'));
    assert.ok(canal.length >= 1 && canal.every((r) => /\(.+\)/.test(r)), canal.join(' | '));
    assert.equal(new Set(rows).size, rows.length, `no two rows read the same: ${rows.join(' | ')}`);
    await page.evaluate((c) => window.nexusMap.jumpTo({ center: c, zoom: 13 }), site);
    await idle(page);
    const rings = await page.evaluate(() => window.nexusMap.queryRenderedFeatures({ layers: ['whatif:ring'] }).length);
    assert.ok(rings > 0, 'the rings are drawn');
    assert.deepEqual(problems, []);
    await shot(page, `26-what-if-rings-${name}`);
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
    const cut = await page.evaluate(() =>
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
    assert.deepEqual(cut, [], 'labels cut');
    // A cell with links shows those links alone on the map.
    const cell = page.locator('svg.heatmap rect.cell-link').first();
    const effect = await cell.evaluate((r) => r.closest('svg').dataset.effect);
    await cell.click();
    await page.locator('#links-pair').waitFor();
    // The whole city in view, wherever its links lie.
    await page.evaluate(() => window.nexusMap.jumpTo({ zoom: 9.5 }));
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
  await page.evaluate((c) => window.nexusMap.jumpTo({ center: c }), lonlat);
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
    let free = null;
    for (const hex of hexes) {
      const c = middle(hex.geometry);
      await page.evaluate((at) => window.nexusMap.jumpTo({ center: at }), c);
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
    const cut = await page.evaluate(() =>
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
    assert.deepEqual(cut, [], 'labels cut');
    const axis = await page.locator('svg.heatmap .axis').allTextContents();
    assert.ok(axis.includes('พลังงาน') && axis.includes('อาหาร'), axis.join(' | '));
    assert.deepEqual(problems, []);
    await shot(page, `29-thai-${name}`);
    await context.close();
  });
}
