import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderApp } from '@/testing/render';
import { fakeApi, fieldError } from '@/testing/api';
import { useAuth } from '@/stores/auth';
import { useUI, defaultBranding } from '@/stores/ui';

const me = { id: 'usr_1', name: 'Sara', email: 'sara@example.com', role: 'owner', disabled: false, createdAt: '2026-12-01T00:00:00Z' };
const ci = { id: 'key_1', tenantId: 'ten_1', name: 'CI', hint: 'wq_live_abcd', scopes: ['messages:read', 'sessions:read'],
  createdBy: 'usr_1', createdAt: '2026-12-01T00:00:00Z', expiresAt: null, lastUsedAt: null, revokedAt: null };
const old = { ...ci, id: 'key_2', name: 'Old', revokedAt: '2026-12-02T00:00:00Z' };

describe('API keys → effects', () => {
  afterEach(() => { vi.unstubAllGlobals(); useAuth.getState().clear(); });
  it("marks keys their creator's role narrows or whose creator is gone, as the API reports them", async () => {
    const api = fakeApi({
      'GET /api/notifications/count': { body: { unread: 0 } },
      'GET /api/tenant/branding': { status: 404 },
      'GET /api/keys': { body: { data: [
        { ...ci, id: 'key_n', name: 'Narrow', scopes: ['keys:write', 'sessions:read'], effect: 'narrowed', lostScopes: ['keys:write'] },
        { ...ci, id: 'key_s', name: 'Gone', effect: 'stopped', lostScopes: ['messages:read', 'sessions:read'] },
        { ...ci, id: 'key_ok', name: 'Fine' }] } },
    });
    vi.stubGlobal('fetch', api.fetch);
    useUI.setState({ language: 'en', branding: defaultBranding });
    useAuth.setState({ token: 'tok', user: me as never });
    renderApp('/api-keys');
    const row = async (name: string) => (await screen.findByText(name, {}, { timeout: 15_000 })).closest('tr')!;
    const narrow = await row('Narrow');
    expect(within(narrow).getByText('Narrowed')).toBeInTheDocument();
    expect(within(narrow).getByText("Its creator's role no longer grants:")).toBeInTheDocument();
    expect(within(narrow).getByText('keys:write', { selector: 'bdi' })).toBeInTheDocument();
    expect(within(await row('Gone')).getByText('Stopped')).toBeInTheDocument();
    const fine = await row('Fine');
    expect(within(fine).queryByText('Narrowed')).toBeNull();
    expect(within(fine).queryByText('Stopped')).toBeNull();
  }, 30_000);
});

describe('API keys → edit', () => {
  let api: ReturnType<typeof fakeApi>;
  let stored: typeof ci;
  beforeEach(() => {
    stored = ci;
    api = fakeApi({
      'GET /api/notifications/count': { body: { unread: 0 } },
      'GET /api/tenant/branding': { status: 404 },
      'GET /api/keys': () => ({ body: { data: [stored, old] } }),
      // The API's rules, as it answers them: a blank name is a field error; otherwise the key changes.
      'PATCH /api/keys/{id}': (c) => {
        const b = c.body as { name: string; scopes: string[] };
        if (!b.name.trim()) return fieldError(['name', 'is required']);
        stored = { ...stored, name: b.name.trim(), scopes: b.scopes };
        return { body: stored };
      },
    });
    vi.stubGlobal('fetch', api.fetch);
    useUI.setState({ language: 'en', branding: defaultBranding });
    useAuth.setState({ token: 'tok', user: me as never });
  });
  afterEach(() => { vi.unstubAllGlobals(); useAuth.getState().clear(); });

  it('renames a key and removes a scope; the API field error shows at its field; the list follows', async () => {
    const user = userEvent.setup();
    renderApp('/api-keys');
    await screen.findByText('CI', {}, { timeout: 15_000 });
    // A revoked key cannot change: it has no edit button.
    expect(screen.queryByRole('button', { name: 'Edit Old' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Edit CI' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit API key CI' });
    const name = within(dialog).getByLabelText('Name');
    expect(name).toHaveValue('CI');

    await user.clear(name);
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByText('is required')).toBeInTheDocument();
    expect(name).toHaveClass('p-invalid');
    expect(name).toHaveAccessibleDescription('is required');

    await user.type(name, 'CI reader');
    // Remove messages:read: its chip's remove icon.
    const chip = within(dialog).getByText('messages:read').closest('.p-multiselect-token')!;
    await user.click(chip.querySelector('.p-multiselect-token-icon')!);
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const patches = api.calls.filter((c) => c.method === 'PATCH');
    expect(patches.at(-1)?.path).toBe('/api/keys/key_1');
    expect(patches.at(-1)?.body).toEqual({ name: 'CI reader', scopes: ['sessions:read'] });
    const row = (await screen.findByText('CI reader')).closest('tr')!;
    expect(within(row).getByText('sessions:read')).toBeInTheDocument();
    expect(within(row).queryByText(/messages:read/)).toBeNull();
  }, 30_000);

  it('shows a refusal that names no field above the form', async () => {
    api = fakeApi({
      'GET /api/notifications/count': { body: { unread: 0 } },
      'GET /api/tenant/branding': { status: 404 },
      'GET /api/keys': { body: { data: [ci] } },
      'PATCH /api/keys/{id}': { status: 403, body: { error: { code: 'forbidden', message: 'a key cannot have scopes its creator lacks', details: {} } } },
    });
    vi.stubGlobal('fetch', api.fetch);
    const user = userEvent.setup();
    renderApp('/api-keys');
    await user.click(await screen.findByRole('button', { name: 'Edit CI' }, { timeout: 15_000 }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit API key CI' });
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByText('a key cannot have scopes its creator lacks (forbidden)')).toBeInTheDocument();
  }, 30_000);
});
