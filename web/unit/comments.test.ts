import { describe, expect, it } from 'vitest';
import { basemapLayers, LAND_COLOUR } from '../src/basemap';
import type { Layer } from '../src/api';
import { commentItem, type Comment } from '../src/comments';

const comment = (over: Partial<Comment> = {}): Comment => ({
  id: 7, project: 'p', project_title: 'P', city: 'chiang-mai', text: 'ok', name: null, stance: null, point: null,
  status: 'approved', reply: null, created_at: '2026-11-30T10:00:00Z', replied_at: null, ...over,
});

describe('a comment on the card', () => {
  it('shows markup as the characters typed, never as elements', () => {
    const text = '<script>alert(1)</script><img src=x onerror=alert(2)><b>bold</b>';
    const li = commentItem(comment({ text, reply: '<i>thanks</i>' }));
    expect(li.querySelector('.comment-text')?.textContent).toBe(text);
    expect(li.querySelectorAll('script, img, b, i')).toHaveLength(0);
    expect(li.querySelector('.comment-reply')?.textContent).toContain('<i>thanks</i>');
  });

  it('names the anonymous and shows the stance', () => {
    const li = commentItem(comment({ stance: 'concern' }));
    expect(li.querySelector('strong')?.textContent).toBe('Anonymous');
    expect(li.querySelector('.stance.concern')?.textContent).toBe('I have concerns');
  });
});

describe('the base map', () => {
  const layer = (kind: string): Layer => ({ id: `base-${kind}`, kind, basemap: true } as Layer);
  it('draws land in its colour under a slot of its own, and steps aside at city zoom', () => {
    const [land] = basemapLayers(layer('land'), true);
    expect(land.id).toBe('L:base-land:base-land');
    expect(land.maxzoom).toBe(9);
    expect((land as { paint: Record<string, unknown> }).paint['fill-color']).toBe(LAND_COLOUR);
    expect(basemapLayers(layer('waterway'), false)[0].layout?.visibility).toBe('none');
    expect(basemapLayers(layer('boundary'), true)[0].id).toMatch(/:base-line$/);
  });
});
