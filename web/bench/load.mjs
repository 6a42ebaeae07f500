// Page-load benchmark: cold loads (a fresh browser context each, so nothing is cached) of the
// map at HASH (a city, or '' for the overview), timed from navigation to the map's first
// `idle` with every tile drawn and its labels written (the number of names drawn is reported
// with each run).
// Prints JSON: the median and each run, and the bytes the page transferred.
import { chromium } from 'playwright-core';

const BASE = process.env.NEXUS_URL;
const RUNS = Number(process.env.RUNS ?? 7);
const HASH = process.env.HASH ?? '#city=chiang-mai';
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const runs = [];
for (let i = 0; i < RUNS + 1; i++) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  let bytes = 0;
  let requests = 0;
  page.on('response', async (r) => {
    requests += 1;
    const len = Number((await r.allHeaders())['content-length'] ?? 0);
    bytes += len;
  });
  const t0 = Date.now();
  await page.goto(`${BASE}/${HASH}`);
  const content = Date.now() - t0;
  await page.waitForFunction(() => Boolean(window.nexusMap && window.nexusReady));
  await page.evaluate(() => window.nexusReady);
  await page.evaluate(() => new Promise((resolve) => {
    const map = window.nexusMap;
    const done = () => (map.areTilesLoaded() ? resolve() : map.once('idle', done));
    if (map.loaded() && map.areTilesLoaded() && !map.isMoving()) resolve(); else map.once('idle', done);
  }));
  const idle = Date.now() - t0;
  // The names on the map when it went idle: the load is timed with labels on, glyphs included.
  const labels = await page.evaluate(() => {
    const map = window.nexusMap;
    const layers = map.getStyle().layers.filter((l) => l.type === 'symbol').map((l) => l.id);
    return map.queryRenderedFeatures({ layers }).length;
  });
  // The first load warms PostGIS and the tile cache as any first visitor would; it is not counted.
  if (i > 0) runs.push({ content, idle, requests, bytes, labels });
  await context.close();
}
await browser.close();
const sorted = [...runs].sort((a, b) => a.idle - b.idle);
console.log(JSON.stringify({ median: sorted[Math.floor(sorted.length / 2)], runs }));
