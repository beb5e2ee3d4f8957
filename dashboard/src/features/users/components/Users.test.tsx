import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderApp } from '@/testing/render';
import { fakeApi, fieldError } from '@/testing/api';
import { useAuth } from '@/stores/auth';
import { useUI, defaultBranding } from '@/stores/ui';

const me = { id: 'usr_1', name: 'Sara', email: 'sara@example.com', role: 'owner', disabled: false, createdAt: '2026-12-01T00:00:00Z' };
const bob = { id: 'usr_2', name: 'Bob', email: 'bob@example.com', role: 'admin', disabled: false, createdAt: '2026-12-02T00:00:00Z' };

describe('Settings → Users & roles', () => {
  let api: ReturnType<typeof fakeApi>;
  beforeEach(() => {
    api = fakeApi({
      'GET /api/notifications/count': { body: { unread: 0 } },
      'GET /api/tenant/branding': { status: 404 },
      'GET /api/users': { body: { data: [me, bob] } },
      'POST /api/users': fieldError(['password', 'is too common: it appears in lists of leaked passwords']),
      'GET /api/users/{id}/key-impact': { body: { userId: 'usr_2', keys: [
        { id: 'key_1', name: 'CI deploys', effect: 'narrowed', lostScopes: ['keys:write', 'users:write'], scopes: ['keys:read'] }] } },
      'PATCH /api/users/{id}': { body: { ...bob, role: 'member' } },
    });
    vi.stubGlobal('fetch', api.fetch);
    useUI.setState({ language: 'en', branding: defaultBranding });
    useAuth.setState({ token: 'tok', user: me as never });
  });
  afterEach(() => { vi.unstubAllGlobals(); useAuth.getState().clear(); });

  it('previews the key impact of a role change and changes nothing until confirmed', async () => {
    const user = userEvent.setup();
    renderApp('/settings/users');
    await screen.findByText('bob@example.com', {}, { timeout: 15_000 });
    // Found by its accessible name (on the focusable input); the dropdown opens from a click on its box.
    await user.click(screen.getByRole('textbox', { name: 'Role of bob@example.com' }).closest('.p-dropdown')!);
    await user.click(await screen.findByRole('option', { name: 'Member', hidden: true }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Make Bob Member? Their current logins end.')).toBeInTheDocument();
    expect(await within(dialog).findByText('CI deploys')).toBeInTheDocument();
    expect(within(dialog).getByText('keys:write, users:write')).toBeInTheDocument();
    expect(api.calls.find((c) => c.path === '/api/users/usr_2/key-impact')?.query.get('role')).toBe('member');
    expect(api.calls.some((c) => c.method === 'PATCH')).toBe(false);

    await user.click(within(dialog).getByRole('button', { name: 'Confirm' }));
    await waitFor(() => expect(api.calls.find((c) => c.method === 'PATCH')?.body).toEqual({ role: 'member' }));
    expect(api.calls.find((c) => c.method === 'PATCH')?.path).toBe('/api/users/usr_2');
  }, 30_000);

  it("shows the password policy's error next to the password", async () => {
    const user = userEvent.setup();
    renderApp('/settings/users');
    await user.click(await screen.findByRole('button', { name: 'New user' }, { timeout: 15_000 }));
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText('Email'), 'new@example.com');
    await user.type(within(dialog).getByLabelText('Password'), 'password123');
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(await within(dialog).findByText('is too common: it appears in lists of leaked passwords')).toBeInTheDocument();
    expect(api.calls.find((c) => c.method === 'POST' && c.path === '/api/users')?.body).toEqual({
      email: 'new@example.com', role: 'member', password: 'password123' });
  }, 30_000);
});
