import { describe as group, expect, it } from 'vitest';
import { describe, mayEdit, mayPublish, mayWork, roleIn } from '../src/access';
import type { Me, SessionUser } from '../src/api';

const user = (roles: SessionUser['roles'], site_admin = false): Me => ({
  legacy: false,
  user: { id: 1, email: 'a@b.org', name: 'Somchai', site_admin, roles },
});

group('access', () => {
  const editor = user([{ city: 'chiang-mai', role: 'editor', label: 'Editor' }]);
  it('editors edit their city’s drafts, not its public projects nor other cities', () => {
    expect(mayEdit(editor, 'chiang-mai', 'draft')).toBe(true);
    expect(mayEdit(editor, 'chiang-mai', 'public')).toBe(false);
    expect(mayEdit(editor, 'naga', 'draft')).toBe(false);
    expect(mayPublish(editor, 'chiang-mai')).toBe(false);
    expect(mayWork(editor)).toBe(true);
  });
  it('the strongest role counts, and site admins and the legacy token may do all', () => {
    const both = user([
      { city: 'naga', role: 'viewer', label: 'Viewer' },
      { city: 'naga', role: 'publisher', label: 'Publisher' },
    ]);
    expect(roleIn(both, 'naga')).toBe('publisher');
    expect(mayEdit(both, 'naga', 'public')).toBe(true);
    expect(mayEdit(user([], true), 'naga', 'public')).toBe(true);
    expect(mayEdit({ user: null, legacy: true }, 'naga', 'public')).toBe(true);
    expect(mayWork({ user: null, legacy: false })).toBe(false);
    expect(mayWork(user([{ city: 'naga', role: 'viewer', label: 'Viewer' }]))).toBe(false);
  });
  it('says who is signed in with roles and cities in words', () => {
    const label = (r: string) => ({ editor: 'Editor', site_admin: 'Site admin' })[r] ?? r;
    expect(describe(editor, () => 'Chiang Mai', label)).toBe('Somchai (Editor · Chiang Mai)');
    expect(describe(user([], true), () => '', label)).toBe('Somchai (Site admin)');
    expect(describe({ user: null, legacy: false }, () => '', label)).toBe('');
  });
});
