import { describe, expect, it } from 'vitest';
import { avatarSource } from './UserAvatar';

const base = { name: 'mia', email: 'Mia@Example.com', gravatar: false, avatarUpdatedAt: undefined as string | undefined };

describe('avatarSource', () => {
  it('shows the initial by default and never asks Gravatar without the opt-in', () => {
    expect(avatarSource(base, null, false)).toEqual({ kind: 'initial', initial: 'M' });
    expect(avatarSource({ ...base, name: '' }, null, false).initial).toBe('M');
    expect(avatarSource(null, null, false).initial).toBe('?');
  });
  it('uses Gravatar only when opted in, and falls back when it has no image', () => {
    const g = avatarSource({ ...base, gravatar: true }, null, false);
    expect(g.kind).toBe('gravatar');
    expect(g.src).toContain('https://www.gravatar.com/avatar/');
    expect(avatarSource({ ...base, gravatar: true }, null, true).kind).toBe('initial');
  });
  it('prefers the uploaded image once loaded', () => {
    const u = { ...base, gravatar: true, avatarUpdatedAt: '2026-12-03T10:00:00Z' };
    expect(avatarSource(u, 'blob:x', false)).toEqual({ kind: 'image', src: 'blob:x', initial: 'M' });
    // Not loaded yet: what it would show without it.
    expect(avatarSource(u, null, false).kind).toBe('gravatar');
  });
});
