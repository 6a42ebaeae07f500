/* global FormData, Blob */
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

async function openProject(page, city, slug) {
  await page.evaluate(([c, s]) => { location.hash = `#city=${c}&project=${s}`; }, [city, slug]);
  await page.waitForFunction((s) => document.querySelector(`#card:not([hidden])[data-slug="${s}"]`), slug);
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

  await openProject(page, 'naga', 'naga-del-rosario-waste-to-energy');
  assert.equal(await page.locator('#card-edit').count(), 0, 'no edit control on a Naga project');
  await openProject(page, 'chiang-mai', 'cm-mae-kha-canal-rehabilitation');
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

/** Saves `feature` as the legacy token (a site admin) would. */
async function put(slug, feature, method = 'PUT') {
  const url = method === 'POST' ? `${BASE}/api/projects` : `${BASE}/api/projects/${slug}`;
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(feature) });
  assert.ok(res.ok || res.status === 409, await res.text());
}

test('a publisher restores an earlier revision from the history panel', async () => {
  const slug = 'cm-e2e-history';
  const feature = (title) => ({
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [98.985, 18.79] },
    properties: { slug, city: 'chiang-mai', title, sectors: ['water'], status: 'idea', kind: 'water_intake' },
  });
  await put(slug, feature('Intake at Ping river'), 'POST');
  await put(slug, feature('Intake at the Ping'));
  const { page, context, problems } = await open(browser, `#city=chiang-mai&project=${slug}`);
  await signInAs(page, 'publisher@chiang-mai.test');
  await page.locator('#card:not([hidden]) .card-title').waitFor();
  await page.click('#card-history summary');
  await page.locator('#history-list li[data-revision="0"] .history-restore').waitFor();
  assert.match(await page.locator('#history-list li[data-revision="1"]').textContent(), /legacy token.*changed: Title/s);
  await page.click('#history-list li[data-revision="0"] .history-restore');
  // The card is drawn again from the restored project.
  await page.waitForFunction(() => document.querySelector('#card .card-title')?.textContent === 'Intake at Ping river');
  const items = await (await fetch(`${BASE}/collections/projects/items?slug=${slug}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
  assert.equal(items.features[0].properties.title, 'Intake at Ping river');
  assert.equal(items.features[0].properties.revision, 2);
  await shot(page, 'accounts-history-restored');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a city admin adds a member, who can then sign in with the role given', async () => {
  const { page, context, problems } = await open(browser, '#city=chiang-mai');
  await signInAs(page, 'admin@chiang-mai.test');
  await page.click('#admin-people summary');
  await page.locator('#member-list').waitFor();
  const email = `niran.${Date.now()}@chiang-mai.test`;
  await page.fill('#member-email', email);
  await page.fill('#member-name', 'Niran');
  await page.selectOption('#member-role', 'viewer');
  await page.fill('#member-password', 'Ping river at dawn 2026');
  await page.click('#member-add');
  await page.locator(`#member-list li[data-email="${email}"]`).waitFor();
  assert.match(await page.locator(`#member-list li[data-email="${email}"]`).textContent(), /Niran .* Viewer/);
  const res = await fetch(`${BASE}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'Ping river at dawn 2026' }) });
  assert.equal(res.status, 200);
  assert.deepEqual((await res.json()).user.roles.map((r) => [r.city, r.role]), [['chiang-mai', 'viewer']]);
  await page.click('#admin-audit summary');
  // The trail names who added whom.
  await page.locator(`#audit-rows li:has-text("Anong · member.set · ${email}")`).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

/** Uploads `features` as layer `id` (public, Chiang Mai) with the legacy token. */
async function upload(id, names) {
  const fc = { type: 'FeatureCollection', features: names.map((name, i) => ({ type: 'Feature', properties: { name },
    geometry: { type: 'Point', coordinates: [98.98 + i * 0.002, 18.79] } })) };
  const form = new FormData();
  for (const [k, v] of Object.entries({ title: 'E2E wells', kind: 'water_intake', sector: 'water', city: 'chiang-mai', visibility: 'public' })) form.set(k, v);
  form.set('file', new Blob([JSON.stringify(fc)]), 'wells.geojson');
  const res = await fetch(`${BASE}/api/layers/${id}/data`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: form });
  assert.equal(res.status, 200, await res.text());
}

test('a publisher restores a layer to its previous data from the layer info', async () => {
  const id = 'cm-e2e-wells';
  await upload(id, ['Well 1', 'Well 2', 'Well 3']);
  await upload(id, ['Well 1']);
  const { page, context, problems } = await open(browser, '#city=chiang-mai');
  await signInAs(page, 'publisher@chiang-mai.test');
  await page.locator('button.info[aria-label$="E2E wells"]').click();
  await page.click(`#layer-history-${id} summary`);
  const first = page.locator(`#layer-history-list-${id} li[data-revision="1"]`);
  await first.waitFor();
  assert.match(await first.textContent(), /wells\.geojson · 3 features/i);
  await first.locator('.history-restore').click();
  // The restore is done when the public items hold the three wells again.
  const count = async () => (await (await fetch(`${BASE}/collections/${id}/items`)).json()).numberMatched;
  for (let i = 0; i < 100 && (await count()) !== 3; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await count(), 3);
  const audit = await (await fetch(`${BASE}/api/audit?target=${id}&limit=5`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
  assert.equal(audit.rows[0].action, 'layer.restore', JSON.stringify(audit.rows));
  assert.equal(audit.rows[0].actor_name, 'Malee');
  assert.deepEqual(problems, []);
  await context.close();
});

test('issue 17, finding 10: a publisher withdraws a published project, deletes it, and brings it back', async () => {
  const slug = 'cm-e2e-withdraw';
  const feature = {
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [98.985, 18.79] },
    properties: { slug, city: 'chiang-mai', title: 'Rain garden at Tha Phae', sectors: ['water'], status: 'planned', visibility: 'public' },
  };
  const made = await fetch(`${BASE}/api/projects`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(feature) });
  assert.equal(made.status, 201, await made.text());
  const publicSees = async () => (await fetch(`${BASE}/collections/projects/items?slug=${slug}`)).json().then((fc) => fc.features.length);
  assert.equal(await publicSees(), 1);

  const { page, context, problems } = await open(browser, `#city=chiang-mai&project=${slug}`);
  await page.locator('#card:not([hidden]) .card-title').waitFor();
  assert.equal(await page.locator('#card-withdraw').count(), 0, 'the public gets no such control');
  await signInAs(page, 'publisher@chiang-mai.test');
  await openProject(page, 'chiang-mai', slug);
  await page.click('#card-withdraw');
  await page.locator('#card-actions-message:has-text("Withdrawn")').waitFor();
  assert.equal(await publicSees(), 0, 'the public no longer sees it');
  await page.locator('#card:not([hidden]) .draft').waitFor();

  // Deleting asks first; saying no deletes nothing.
  page.once('dialog', (d) => d.dismiss());
  await page.click('#card-delete');
  await page.locator('#card-actions-message:has-text("Nothing was deleted")').waitFor();
  page.once('dialog', (d) => d.accept());
  await page.click('#card-delete');
  await page.waitForFunction((s) => !document.querySelector(`#project-list [data-slug="${s}"]`) && document.querySelector('#card').hidden, slug);
  const trash = await (await fetch(`${BASE}/api/trash`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
  assert.ok(trash.projects.some((p) => p.slug === slug), 'it waits in the trash');

  await page.click('#trash summary');
  await page.click(`#trash-list li[data-slug="${slug}"] .trash-restore`);
  await page.locator('#trash-message:has-text("Restored")').waitFor();
  await openProject(page, 'chiang-mai', slug);
  assert.equal(await page.locator('#card .card-title').textContent(), 'Rain garden at Tha Phae');
  await shot(page, 'accounts-publisher-restored');
  assert.deepEqual(problems, []);
  await context.close();
});
