// The public's voice (issue 15): a visitor comments on a published project from its card,
// marking a place on the map; nothing shows until a publisher of Chiang Mai approves it from
// the same card; markup in a comment shows as the characters typed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, TOKEN, idle, launch, open, screenPoint, shot, signInAs } from './browser.mjs';

const SLUG = 'cm-mae-kha-canal-rehabilitation';
const TEXT = '<script>window.pwned = 1</script><b>Please</b> keep the old trees & the footpath.';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function pending() {
  const res = await fetch(`${BASE}/api/projects/${SLUG}/comments?status=pending`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200);
  return (await res.json()).comments;
}

test('a visitor comments from the card; a publisher approves it there; it shows as text', async () => {
  const visitor = await open(browser, `#city=chiang-mai&project=${SLUG}`);
  const page = visitor.page;
  await page.locator('#card .comments-panel').waitFor();
  await page.fill('.comment-form textarea[name=text]', TEXT);
  await page.fill('.comment-form input[name=name]', 'Malai');
  await page.check('.comment-form input[name=stance][value=support]');
  await page.click('.comment-form .pick-place');
  const canvas = await page.locator('#map canvas').boundingBox();
  const spot = { x: canvas.x + 120, y: canvas.y + canvas.height - 120 };
  await page.mouse.click(spot.x, spot.y);
  await page.locator('.comment-form .note:has-text(",")').first().waitFor();
  await page.click('.comment-form button[type=submit]');
  await page.locator('.comment-status:not(.error):has-text(".")').waitFor();
  assert.equal(await page.locator('#card').isVisible(), true, 'marking a place did not close the card');
  await shot(page, '60-comment-sent');

  const waiting = (await pending()).filter((c) => c.text === TEXT);
  assert.equal(waiting.length, 1, 'stored once, pending');
  assert.equal(waiting[0].name, 'Malai');
  assert.equal(waiting[0].stance, 'support');
  const [lon, lat] = waiting[0].point.coordinates;
  const at = await screenPoint(page, [lon, lat]);
  assert.ok(Math.abs(at.x - spot.x) < 3 && Math.abs(at.y - spot.y) < 3, `the point is where the map was clicked: ${JSON.stringify(at)}`);
  assert.equal(await page.locator(`.comment-text:has-text("Please")`).count(), 0, 'not shown before moderation');
  await visitor.context.close();

  const moderator = await open(browser, `#city=chiang-mai&project=${SLUG}`);
  await signInAs(moderator.page, 'publisher@chiang-mai.test');
  await moderator.page.reload();
  await moderator.page.waitForFunction(() => Boolean(window.nexusMap && window.nexusReady));
  const item = moderator.page.locator(`.comment-queue li[data-id="${waiting[0].id}"]`);
  await item.waitFor();
  await item.locator('button.approve').click();
  await moderator.page.locator(`ul.comments:not(.pending) li[data-id="${waiting[0].id}"]`).waitFor();
  await moderator.context.close();

  const again = await open(browser, `#city=chiang-mai&project=${SLUG}`);
  const shown = again.page.locator(`.comment[data-id="${waiting[0].id}"]`);
  await shown.waitFor();
  assert.equal(await shown.locator('.comment-text').textContent(), TEXT, 'the markup is shown as typed');
  assert.equal(await shown.locator('.comment-text b, .comment-text script').count(), 0, 'no element made from it');
  assert.equal(await again.page.evaluate(() => window.pwned), undefined, 'nothing in it ran');
  assert.match(await again.page.locator('.tally').textContent(), /[1-9]\d* support/);
  await idle(again.page);
  await shot(again.page, '61-comment-approved');
  assert.deepEqual(again.problems, []);
  assert.deepEqual(again.outside, []);
  await again.context.close();
});
