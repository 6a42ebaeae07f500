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

/** The screenshot's pixels, decoded by the page itself (no image library needed). */
async function pixels(page, png) {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    return { width: img.width, height: img.height, data: Array.from(g.getImageData(0, 0, img.width, img.height).data) };
  }, png.toString('base64'));
}

const isLand = (d, i) => LAND.every((v, k) => Math.abs(d[i + k] - v) <= 6);

test('the overview draws the land of Asia under the partner cities, from this server only', async () => {
  const { page, context, problems, outside } = await open(browser);
  await idle(page);
  const order = await page.evaluate(() => window.nexusMap.getStyle().layers.map((l) => l.id));
  const land = order.findIndex((id) => id.endsWith(':base-land'));
  assert.ok(land > 0, `a land layer is in the style: ${order.join(' ')}`);
  assert.ok(land < order.indexOf('cities'), 'the land is drawn beneath the city markers');
  for (const kind of ['base-countries', 'base-coastline', 'base-lakes', 'base-rivers']) {
    assert.ok(order.some((id) => id.startsWith(`L:${kind}:`)), `${kind} is drawn`);
  }

  const png = await page.screenshot();
  await shot(page, '62-overview-basemap');
  const { width, height, data } = await pixels(page, png);
  const box = await page.locator('#map').boundingBox();
  let landPixels = 0;
  let mapPixels = 0;
  for (let y = Math.ceil(box.y); y < Math.min(height, box.y + box.height); y += 2) {
    for (let x = Math.ceil(box.x); x < Math.min(width, box.x + box.width); x += 2) {
      mapPixels += 1;
      if (isLand(data, (y * width + x) * 4)) landPixels += 1;
    }
  }
  assert.ok(landPixels / mapPixels > 0.15, `land covers ${((100 * landPixels) / mapPixels).toFixed(1)} % of the map`);

  // Around inland cities' dots the ground is land.
  const cities = await (await fetch(`${BASE}/api/cities`)).json();
  for (const slug of ['ulaanbaatar', 'chiang-mai', 'korat']) {
    const city = cities.features.find((f) => f.properties.slug === slug);
    const at = await screenPoint(page, city.geometry.coordinates);
    let around = 0;
    for (const [dx, dy] of [[0, -16], [0, 16], [-16, 0], [16, 0], [-12, -12], [12, 12]]) {
      const [x, y] = [Math.round(at.x + dx), Math.round(at.y + dy)];
      if (isLand(data, (y * width + x) * 4)) around += 1;
    }
    assert.ok(around >= 2, `land around ${slug}'s marker (${around} of 6 samples)`);
  }

  // Each partner city is labelled with both its names.
  const label = page.locator('.city-label[data-slug="chiang-mai"]');
  assert.match(await label.textContent(), /Chiang Mai.*เชียงใหม่/);
  assert.match(await page.locator('.city-label[data-slug="ulaanbaatar"]').textContent(), /Ulaanbaatar.*Улаанбаатар/);

  assert.deepEqual(outside, [], 'no request left the server');
  assert.deepEqual(problems, []);
  await context.close();
});
