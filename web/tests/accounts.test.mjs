// Accounts on the map (issue 12): an editor of Chiang Mai signs in with email and password,
// edits a Chiang Mai draft, and finds no edit control where their role does not reach.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, TOKEN, launch, open, shot, signInAs } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const SLUG = 'cm-e2e-editor-draft';

/** A Chiang Mai draft made by the legacy token (a site admin), for the editor to edit. */
async function seedDraft() {
  const feature = {
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [98.99, 18.795] },
    properties: { slug: SLUG, city: 'chiang-mai', title: 'Compost hub at Kad Kom', sectors: ['waste'], status: 'idea', kind: 'waste_site' },
  };
  const res = await fetch(`${BASE}/api/projects`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(feature) });
  assert.ok(res.status === 201 || res.status === 409, await res.text());
}

async function openProject(page, slug) {
  await page.evaluate((s) => { location.hash = `#project=${s}`; }, slug);
  await page.waitForFunction((s) => document.querySelector('#card:not([hidden])') && location.hash.includes(s), slug);
  await page.locator('#card:not([hidden]) .card-title').waitFor();
}

test('an editor of Chiang Mai edits a Chiang Mai draft and gets no edit control on Naga or public projects', async () => {
  await seedDraft();
  const { page, context, problems } = await open(browser, `#city=chiang-mai&project=${SLUG}`);
  assert.equal(await page.locator('#card:not([hidden])').count(), 0, 'the public does not see the draft');
  await signInAs(page, 'editor@chiang-mai.test');
  assert.equal(await page.locator('#account-who').textContent(), 'Signed in as Somchai (Editor · Chiang Mai)');
  // Signing in brings the city's drafts; the link's project opens now.
  await page.locator('#card:not([hidden]) .card-title').waitFor();
  assert.equal(await page.locator('#card .card-title').textContent(), 'Compost hub at Kad Kom');
  await page.click('#card-edit');
  await page.fill('#sk-title', 'Compost hub at Kad Kom market');
  await page.click('#sk-save');
  await page.locator(`#sk-message[data-saved="${SLUG}:draft"]`).waitFor();
  const audit = await (await fetch(`${BASE}/api/audit?target=${SLUG}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
  assert.equal(audit.rows[0].action, 'project.edit');
  assert.equal(audit.rows[0].actor_name, 'Somchai');
  assert.equal(audit.rows[0].via, 'session', 'the page wrote with its session cookie and CSRF token');
  await shot(page, 'accounts-editor-signed-in');

  await openProject(page, 'naga-del-rosario-waste-to-energy');
  assert.equal(await page.locator('#card-edit').count(), 0, 'no edit control on a Naga project');
  await openProject(page, 'cm-mae-kha-canal-rehabilitation');
  assert.equal(await page.locator('#card-edit').count(), 0, 'an editor does not edit what the public sees');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a wrong password is said; signing out hides the drafts again', async () => {
  await seedDraft();
  const { page, context } = await open(browser, '#city=chiang-mai');
  await page.click('#planner-toggle');
  await page.fill('#account-email', 'publisher@chiang-mai.test');
  await page.fill('#account-password', 'not the password at all');
  await page.click('#account-signin');
  await page.locator('#account-message:has-text("the email or password is wrong")').waitFor();
  await page.click('#planner-toggle');
  await signInAs(page, 'publisher@chiang-mai.test');
  assert.match(await page.locator('#account-who').textContent(), /Malee \(Publisher · Chiang Mai\)/);
  await page.waitForFunction(() => [...document.querySelectorAll('#project-list li')].some((li) => li.textContent.includes('Compost hub')));
  await page.click('#account-signout');
  await page.locator('#account-form').waitFor();
  await page.waitForFunction(() => ![...document.querySelectorAll('#project-list li')].some((li) => li.textContent.includes('Compost hub')));
  await context.close();
});
