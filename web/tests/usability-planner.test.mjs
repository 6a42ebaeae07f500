// What stopped a planner (issue 17, findings 1, 2 and 10), walked through on the real page at
// desktop and phone sizes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PHONE, TOKEN, idle, launch, open, screenPoint, shot, signIn } from './browser.mjs';

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
    await o.page.evaluate((c) => { window.nexusMap.jumpTo({ center: c }); }, site);
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
    await page.evaluate((c) => { window.nexusMap.jumpTo({ center: c, zoom: 13 }); }, site);
    await idle(page);
    const rings = await page.evaluate(() => window.nexusMap.queryRenderedFeatures({ layers: ['whatif:ring'] }).length);
    assert.ok(rings > 0, 'the rings are drawn');
    assert.deepEqual(problems, []);
    await shot(page, `26-what-if-rings-${name}`);
    await context.close();
  });
}
