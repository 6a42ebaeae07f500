// The public window's first view (issue 15): the overview draws the land, countries,
// coastlines, lakes and rivers of Asia from the atlas's own Natural Earth layers beneath the
// partner cities, each labelled in English and its local name, with nothing fetched from
// outside the server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, idle, launch, open, screenPoint, shot } from './browser.mjs';

const LAND = [0xf1, 0xea, 0xd3]; // basemap.ts's LAND_COLOUR

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Decodes the screenshot in the page and answers, there, what share of `box` (sampled every
 *  other pixel) is land and how many of six samples around each point are land: shipping the
 *  raw pixels back to node took longer than the rest of the test. */
async function landIn(page, png, box, points) {
  return page.evaluate(async ([b64, box, points, land]) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, img.width, img.height).data;
    const isLand = (x, y) => { const i = (y * img.width + x) * 4; return land.every((v, k) => Math.abs(d[i + k] - v) <= 6); };
    let landPixels = 0;
    let mapPixels = 0;
    for (let y = Math.ceil(box.y); y < Math.min(img.height, box.y + box.height); y += 2) {
      for (let x = Math.ceil(box.x); x < Math.min(img.width, box.x + box.width); x += 2) {
        mapPixels += 1;
        if (isLand(x, y)) landPixels += 1;
      }
    }
    const around = points.map((at) => [[0, -16], [0, 16], [-16, 0], [16, 0], [-12, -12], [12, 12]]
      .filter(([dx, dy]) => isLand(Math.round(at.x + dx), Math.round(at.y + dy))).length);
    return { share: landPixels / mapPixels, around };
  }, [png.toString('base64'), box, points, LAND]);
}

test('the overview draws the land of Asia under the partner cities, from this server only', async () => {
  const { page, context, problems, outside } = await open(browser, '', { scale: 1 });
  await idle(page);
  const order = await page.evaluate(() => window.nexusMap.getStyle().layers.map((l) => l.id));
  const land = order.findIndex((id) => id.endsWith(':base-land'));
  assert.ok(land > 0, `a land layer is in the style: ${order.join(' ')}`);
  assert.ok(land < order.indexOf('cities'), 'the land is drawn beneath the city markers');
  for (const kind of ['base-countries', 'base-coastline', 'base-lakes', 'base-rivers']) {
    assert.ok(order.some((id) => id.startsWith(`L:${kind}:`)), `${kind} is drawn`);
  }

  // In CSS pixels, as the boxes and points are, whatever the device scale.
  const png = await page.screenshot({ scale: 'css' });
  await shot(page, '62-overview-basemap');
  const box = await page.locator('#map').boundingBox();
  // Around inland cities' dots the ground is land.
  const cities = await (await fetch(`${BASE}/api/cities`)).json();
  const inland = ['ulaanbaatar', 'chiang-mai', 'korat'];
  const points = [];
  for (const slug of inland) points.push(await screenPoint(page, cities.features.find((f) => f.properties.slug === slug).geometry.coordinates));
  const { share, around } = await landIn(page, png, box, points);
  assert.ok(share > 0.15, `land covers ${(100 * share).toFixed(1)} % of the map`);
  inland.forEach((slug, i) => assert.ok(around[i] >= 2, `land around ${slug}'s marker (${around[i]} of 6 samples)`));

  // Each partner city is labelled with both its names.
  const label = page.locator('.city-label[data-slug="chiang-mai"]');
  assert.match(await label.textContent(), /Chiang Mai.*เชียงใหม่/);
  assert.match(await page.locator('.city-label[data-slug="ulaanbaatar"]').textContent(), /Ulaanbaatar.*Улаанбаатар/);

  assert.deepEqual(outside, [], 'no request left the server');
  assert.deepEqual(problems, []);
  await context.close();
});
