// The public's voice on a published project's card: the approved comments with the city's
// replies and the tally, a form anyone may send (text only; a hidden honeypot field that only
// robots fill in), and for the city's publishers the queue of comments waiting for them.
// Every text goes into the page as text (dom.ts's el), never as HTML.

import type * as maplibregl from 'maplibre-gl';
import { getJson, sendJson } from './api';
import { el, errorText } from './dom';
import { t, tf } from './i18n';
import type { CommentStatus, Stance, Visibility } from './vocab.gen';

export interface Comment {
  id: number;
  project: string;
  project_title: string | null;
  city: string;
  text: string;
  name: string | null;
  stance: Stance | null;
  point: GeoJSON.Point | null;
  status: CommentStatus;
  reply: string | null;
  created_at: string;
  replied_at: string | null;
}

export interface Comments {
  project: string;
  tally: { comments: number; support: number; concern: number };
  moderator: boolean;
  comments: Comment[];
}

const path = (slug: string) => `/api/projects/${encodeURIComponent(slug)}/comments`;

/** Resolves with the next place clicked on the map (the crosshair tells the map's other
 *  click handlers to stand aside). */
export function pickPoint(map: maplibregl.Map): Promise<[number, number]> {
  map.getCanvas().style.cursor = 'crosshair';
  return new Promise((resolve) => {
    map.once('click', (e) => {
      map.getCanvas().style.cursor = '';
      resolve([Number(e.lngLat.lng.toFixed(6)), Number(e.lngLat.lat.toFixed(6))]);
    });
  });
}

/** One comment as a list item. */
export function commentItem(c: Comment, actions: HTMLElement | null = null): HTMLElement {
  const when = new Date(c.created_at).toLocaleDateString();
  return el(
    'li',
    { class: 'comment', 'data-id': String(c.id), 'data-status': c.status },
    el('strong', {}, c.name ?? t('anonymous')),
    ` · ${when}`,
    c.stance ? el('span', { class: `stance ${c.stance}` }, t(c.stance === 'support' ? 'stanceSupport' : 'stanceConcern')) : null,
    el('p', { class: 'comment-text' }, c.text),
    c.reply ? el('p', { class: 'comment-reply' }, el('strong', {}, `${t('cityReply')}: `), c.reply) : null,
    actions,
  );
}

function radio(value: string, label: string, checked = false): HTMLElement {
  const input = el('input', { type: 'radio', name: 'stance', value });
  input.checked = checked;
  return el('label', { class: 'stance-choice' }, input, ` ${label}`);
}

/** The form anyone fills in; `sent` runs after the server took a comment. */
function commentForm(slug: string, pick: () => Promise<[number, number]>, sent: () => void): HTMLFormElement {
  let point: [number, number] | null = null;
  const text = el('textarea', { name: 'text', maxlength: '2000', required: '', rows: '3' });
  const name = el('input', { name: 'name', maxlength: '80', autocomplete: 'name' });
  // People never see this field; a robot filling in every input does, and is refused.
  const honeypot = el('input', { name: 'website', tabindex: '-1', autocomplete: 'off' });
  const where = el('span', { class: 'note', 'aria-live': 'polite' });
  const pickButton = el('button', { type: 'button', class: 'pick-place' }, t('pickPlace'));
  pickButton.addEventListener('click', async () => {
    where.textContent = t('pickingPlace');
    point = await pick();
    where.textContent = tf('placePicked', { lon: point[0], lat: point[1] });
  });
  const status = el('p', { class: 'comment-status', 'aria-live': 'polite' });
  const form = el(
    'form',
    { class: 'comment-form' },
    el('label', { class: 'field' }, el('span', {}, t('commentText')), text),
    el('label', { class: 'field' }, el('span', {}, t('commentName')), name),
    el('div', { class: 'hp', 'aria-hidden': 'true' }, el('label', {}, 'Website', honeypot)),
    el('fieldset', { class: 'stances' }, radio('', t('stanceNone'), true), radio('support', t('stanceSupport')), radio('concern', t('stanceConcern'))),
    el('p', {}, pickButton, ' ', where),
    el('p', { class: 'note' }, t('commentRules')),
    el('button', { type: 'submit' }, t('sendComment')),
    status,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const stance = (form.querySelector<HTMLInputElement>('input[name=stance]:checked')?.value ?? '') as Stance | '';
    const body: Record<string, unknown> = { text: text.value };
    if (name.value.trim()) body.name = name.value;
    if (stance) body.stance = stance;
    if (point) body.point = { type: 'Point', coordinates: point };
    if (honeypot.value) body.website = honeypot.value;
    try {
      await sendJson('POST', path(slug), body, t('sendComment'));
      form.reset();
      point = null;
      where.textContent = '';
      status.className = 'comment-status';
      status.textContent = t('commentThanks');
      sent();
    } catch (err) {
      status.className = 'comment-status error';
      status.textContent = errorText(err);
    }
  });
  return form;
}

/** A moderator's buttons for comment `c`; `done` runs after each step. */
function moderation(c: Comment, done: () => void): HTMLElement {
  const box = el('div', { class: 'moderate' });
  const step = async (what: string, body: unknown = null) => {
    try {
      await sendJson('POST', `/api/comments/${c.id}/${what}`, body, t(what));
      done();
    } catch (err) {
      box.append(el('p', { class: 'error' }, errorText(err)));
    }
  };
  const approve = el('button', { type: 'button', class: 'approve' }, t('approve'));
  approve.addEventListener('click', () => void step('approve'));
  const reject = el('button', { type: 'button', class: 'reject' }, t('reject'));
  reject.addEventListener('click', () => void step('reject'));
  const replyText = el('input', { name: 'reply', maxlength: '2000', 'aria-label': t('reply') });
  const reply = el('button', { type: 'button', class: 'reply' }, t('sendReply'));
  reply.addEventListener('click', () => void step('reply', { text: replyText.value }));
  box.append(approve, ' ', reject, ' ', replyText, ' ', reply);
  return box;
}

/** The comments section of a project's card (none for drafts: only the published are open
 *  to comment). */
export function commentsPanel(
  p: { slug: string; city: string; visibility: Visibility },
  pick: () => Promise<[number, number]>,
): HTMLElement | null {
  if (p.visibility !== 'public') return null;
  const tally = el('p', { class: 'tally' });
  const list = el('ul', { class: 'comments' });
  const queue = el('div', { class: 'comment-queue' });
  const csv = el('a', { href: `${path(p.slug)}.csv`, download: '' }, t('commentsCsv'));
  const load = async () => {
    try {
      const shown = await getJson<Comments>(path(p.slug), t('comments'));
      tally.textContent = tf('tally', shown.tally);
      list.replaceChildren(...shown.comments.map((c) => commentItem(c, shown.moderator ? moderation(c, load) : null)));
      if (!shown.comments.length) list.replaceChildren(el('li', { class: 'note' }, t('commentsNone')));
      if (!shown.moderator) return queue.replaceChildren();
      const waiting = await getJson<Comments>(`${path(p.slug)}?status=pending`, t('moderation'));
      queue.replaceChildren(
        el('h4', {}, `${t('moderation')} (${waiting.comments.length})`),
        el('ul', { class: 'comments pending' }, ...waiting.comments.map((c) => commentItem(c, moderation(c, load)))),
      );
    } catch (err) {
      list.replaceChildren(el('li', { class: 'error' }, errorText(err)));
    }
  };
  void load();
  return el('section', { class: 'comments-panel' }, el('h3', {}, t('comments')), tally, list, queue, commentForm(p.slug, pick, load), csv);
}
