// Shared by the end-to-end tests: Debian's Chromium through playwright-core (never a
// downloaded browser), a page on the running server, and helpers that wait for the map.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const BASE = process.env.NEXUS_URL ?? 'http://127.0.0.1:8080';
export const TOKEN = process.env.NEXUS_TOKEN ?? '';
export const OUT = process.env.E2E_OUT ?? 'target/e2e';
/** A phone's screen, as the tests use it. */
export const PHONE = { width: 390, height: 844 };
mkdirSync(OUT, { recursive: true });

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Pages ask for reduced motion, as a user may: camera flights become jumps and labels appear
 *  without fading, so what a test asserts is on screen when the map first goes idle. (Measured,
 *  it hardly shortens the suite: SwiftShader's time goes to the frames drawn as tiles arrive.) */
export const REDUCED_MOTION = 'reduce';

/** Pages render at half the device resolution (E2E_DPR=1 for full-size screenshots). Layout,
 *  hit-testing and MapLibre's placement are in CSS pixels and do not change; SwiftShader, which
 *  draws every frame in software, gets a quarter of the pixels: the suite runs about a fifth
 *  faster (measured on two of its files: 301 s, 237 s). Tests that read pixels or drag on the
 *  map ask for full scale (`open(…, { scale: 1 })`): at half scale the land samples around a
 *  marker blurred into it, and the drag test missed the point it held (a clean-clone run). */
export const DEVICE_SCALE = Number(process.env.E2E_DPR) || 0.5;

export async function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
}

/** A browser context as every test page gets it: desktop size, reduced motion, half scale. */
export function newContext(browser, { viewport = { width: 1400, height: 900 }, locale, motion = REDUCED_MOTION, scale = DEVICE_SCALE } = {}) {
  return browser.newContext({ viewport, deviceScaleFactor: scale, reducedMotion: motion, ...(locale ? { locale } : {}) });
}

/** A page that records console errors, failed requests, requests that left the machine and the
 *  label glyphs it fetched. */
export async function open(browser, hash = '', options = {}) {
  const context = await newContext(browser, options);
  const page = await context.newPage();
  const problems = [];
  const outside = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
  // Tiles the map no longer needs (it moved on) are cancelled: that is not a failure.
  page.on('requestfailed', (r) => { if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`); });
  page.on('request', (r) => { const u = r.url(); if (!u.startsWith(BASE) && !u.startsWith('data:') && !u.startsWith('blob:')) outside.push(u); });
  // The label glyph ranges asked for, with their status (resource timing drops entries past 250).
  const fonts = [];
  page.on('response', (r) => { if (new URL(r.url()).pathname.startsWith('/fonts/')) fonts.push({ url: decodeURIComponent(r.url()), status: r.status() }); });
  await page.goto(`${BASE}/${hash}`);
  await page.waitForFunction(() => Boolean(window.nexusMap && window.nexusReady));
  await page.evaluate(() => window.nexusReady);
  await idle(page);
  return { page, context, problems, outside, fonts };
}

/** Resolves when the map has drawn everything it asked for. The page answers nothing: an
 *  answer holding the map (its idle event does) would be serialized whole, which costs seconds. */
export async function idle(page) {
  await page.evaluate(
    () =>
      new Promise((resolve) => {
        const map = window.nexusMap;
        map.once('idle', () => resolve(null));
        // One more frame: a change made just now may not have been drawn yet.
        if (map.loaded() && map.areTilesLoaded() && !map.isMoving()) map.triggerRepaint();
      }),
  );
}

/** Features drawn by the style layers whose id starts with `prefix`. */
export async function rendered(page, prefix) {
  return page.evaluate((prefix) => {
    const map = window.nexusMap;
    const layers = map.getStyle().layers.map((l) => l.id).filter((id) => id.startsWith(prefix));
    return map.queryRenderedFeatures({ layers }).map((f) => ({ layer: f.layer.id, properties: f.properties }));
  }, prefix);
}

export async function shot(page, name) {
  await page.screenshot({ path: join(OUT, `${name}.png`) });
}

/** Where on the page a point of the map is. */
/** The password of the people scripts/test-web creates (editor@chiang-mai.test, …). */
export const PASSWORD = process.env.NEXUS_E2E_PASSWORD ?? '';

/** Opens the planner's workbench and signs in as `email` with the e2e password. */
export async function signInAs(page, email) {
  await page.click('#planner-toggle');
  await page.fill('#account-email', email);
  await page.fill('#account-password', PASSWORD);
  await page.click('#account-signin');
  await page.locator('#account-who').waitFor();
}

export async function screenPoint(page, lonlat) {
  return page.evaluate(([lon, lat]) => {
    const map = window.nexusMap;
    const p = map.project([lon, lat]);
    const r = map.getContainer().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, lonlat);
}

/** Opens the planner's workbench and signs in with the token the server was started with. */
export async function signIn(page) {
  await page.click('#planner-toggle');
  await page.click('#account-token summary');
  await page.fill('#planner-token', TOKEN);
  await page.click('#planner-signin');
  // The legacy token acts as a site admin, and the workbench says so.
  await page.locator('#account-who:has-text("Site admin")').waitFor();
}
