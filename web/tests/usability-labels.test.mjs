/* global FormData, Blob */
// Issue 17, finding 3: at city zoom there are names to orient by — tambon, waterways, projects
// and, where a city has a street layer, its streets — in English or Thai, drawn with glyphs this
// server renders from its own fonts (no outside font host), at desktop and phone sizes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PHONE, TOKEN, idle, launch, open, rendered, shot } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The names the style layers starting with `prefix` have drawn (their features' name fields). */
async function names(page, prefix) {
  return (await rendered(page, prefix)).map((f) => f.properties.name ?? f.properties.name_local ?? f.properties.title);
}

for (const [name, viewport] of [['desktop', undefined], ['phone', PHONE]]) {
  test(`finding 3 (${name}): tambon, waterways and projects are named at city zoom, in glyphs this server made`, async () => {
    const { page, context, problems, outside, fonts } = await open(browser, '#city=chiang-mai&map=14.5/18.7755/98.9875', viewport ? { viewport } : undefined);
    const tambon = await names(page, 'L:cm-tambon:label');
    assert.ok(tambon.includes('Hai Ya'), `tambon labels: ${tambon.join(', ')}`);
    const go = async (lon, lat, zoom) => {
      await page.evaluate(([lon, lat, zoom]) => { window.nexusMap.jumpTo({ center: [lon, lat], zoom }); }, [lon, lat, zoom]);
      await idle(page);
    };
    // Along the canal's straight stretch the project's title is written on its line (projects
    // are named before the layers, so it wins over the canal's own name there).
    await go(98.9975, 18.788, 16);
    const projects = await names(page, 'projects:label');
    assert.ok(projects.includes('Mae Kha canal rehabilitation'), `project labels: ${projects.join(', ')}`);
    await go(99.005, 18.77, 13.5);
    const water = await names(page, 'L:cm-rivers:label');
    assert.ok(water.includes('แม่น้ำปิง'), `the Ping is named by its only name: ${water.join(', ')}`);
    assert.ok(fonts.some((g) => g.url === `${BASE}/fonts/Nexus Sans/0-255.pbf`), JSON.stringify(fonts));
    assert.ok(fonts.some((g) => g.url === `${BASE}/fonts/Nexus Sans Bold/0-255.pbf`), JSON.stringify(fonts));
    assert.deepEqual(fonts.filter((g) => g.status !== 200), [], 'every glyph range answered');
    assert.deepEqual(outside, [], 'nothing asked of another host');
    await go(98.9875, 18.7755, 14.5);
    await shot(page, `22-labels-${name}`);

    // In Thai the same places carry their Thai names, drawn from the Thai range.
    await page.click('[data-lang="th"]');
    await idle(page);
    const field = await page.evaluate(() => JSON.stringify(window.nexusMap.getLayoutProperty('L:cm-tambon:label', 'text-field')));
    assert.ok(field.indexOf('name_th') >= 0 && field.indexOf('name_th') < field.indexOf('"name"'), field);
    // Thai words are shaped by the browser with the server's own Thai font (no glyph range can
    // stack a tone mark over its vowel).
    assert.ok(fonts.some((g) => g.url === `${BASE}/fonts/files/Loma.ttf` && g.status === 200), JSON.stringify(fonts));
    assert.ok((await names(page, 'L:cm-tambon:label')).includes('Hai Ya'), 'the tambon is still named');
    assert.deepEqual(problems, []);
    await shot(page, `22-labels-thai-${name}`);
    await context.close();
  });
}

test('finding 3: a city with a street layer gets a street base with street names', async () => {
  const id = `cm-e2e-streets-${process.pid}`;
  const fc = { type: 'FeatureCollection', features: [
    { type: 'Feature', properties: { name: 'Tha Phae Road', name_th: 'ถนนท่าแพ' }, geometry: { type: 'LineString', coordinates: [[98.9935, 18.7877], [99.0030, 18.7880]] } },
    { type: 'Feature', properties: { name: 'Moon Muang Road', name_th: 'ถนนมูลเมือง' }, geometry: { type: 'LineString', coordinates: [[98.9930, 18.7820], [98.9933, 18.7950]] } },
  ] };
  const form = new FormData();
  for (const [k, v] of Object.entries({ title: 'E2E streets', kind: 'road', sector: 'land', city: 'chiang-mai', visibility: 'public' })) form.set(k, v);
  form.set('file', new Blob([JSON.stringify(fc)]), 'streets.geojson');
  const res = await fetch(`${BASE}/api/layers/${id}/data`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: form });
  assert.equal(res.status, 200, await res.text());
  try {
    const { page, context, problems } = await open(browser, '#city=chiang-mai&map=16.5/18.7878/98.9975');
    const streets = await rendered(page, `L:${id}:`);
    assert.ok(streets.some((f) => f.layer === `L:${id}:casing`) && streets.some((f) => f.layer === `L:${id}:line`), 'drawn as streets');
    const labelled = streets.filter((f) => f.layer === `L:${id}:label-line`).map((f) => f.properties.name);
    assert.ok(labelled.includes('Tha Phae Road'), `street labels: ${labelled.join(', ')}`);
    assert.deepEqual(problems, []);
    await shot(page, '22-labels-streets');
    await context.close();
  } finally {
    await fetch(`${BASE}/api/layers/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
  }
});
