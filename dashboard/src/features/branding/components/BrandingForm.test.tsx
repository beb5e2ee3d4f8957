import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderApp } from '@/testing/render';
import { fakeApi, fieldError } from '@/testing/api';
import { useAuth } from '@/stores/auth';
import { useUI, defaultBranding } from '@/stores/ui';

const stored = { appName: 'WaQtor', logoText: '', showLogoText: true, logo: null, updatedAt: '0001-01-01T00:00:00Z' };

describe('Settings → Branding', () => {
  let api: ReturnType<typeof fakeApi>;
  let puts = 0;
  beforeEach(() => {
    puts = 0;
    api = fakeApi({
      'GET /api/notifications/count': { body: { unread: 0 } },
      'GET /api/tenant/branding': { body: stored },
      'PUT /api/tenant/branding': (c) => (++puts === 1
        ? fieldError(['appName', 'is required'], ['logoText', 'must be at most 40 characters, got 41'])
        : { body: { ...stored, ...(c.body as object), updatedAt: '2026-12-03T12:00:00Z' } }),
    });
    vi.stubGlobal('fetch', api.fetch);
    useUI.setState({ language: 'en', branding: defaultBranding });
    useAuth.setState({ token: 'tok', user: { id: 'usr_1', name: 'Sara', email: 'sara@example.com', role: 'owner' } });
  });
  afterEach(() => { vi.unstubAllGlobals(); useAuth.getState().clear(); });

  it("shows the API's field errors next to their fields, then saves and the topbar and title follow", async () => {
    const user = userEvent.setup();
    renderApp('/settings/branding');
    const name = await screen.findByLabelText('App name', {}, { timeout: 15_000 });
    await waitFor(() => expect(name).toHaveValue('WaQtor'));
    expect(screen.getByTestId('brand')).toHaveTextContent('WaQtor');

    await user.clear(name);
    await user.type(screen.getByLabelText('Logo text'), 'Acme Incorporated');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('is required')).toBeInTheDocument();
    expect(screen.getByText('must be at most 40 characters, got 41')).toBeInTheDocument();
    expect(name).toHaveClass('p-invalid');
    expect(screen.getByLabelText('Logo text')).toHaveClass('p-invalid');
    expect(screen.getByTestId('brand')).toHaveTextContent('WaQtor');

    await user.type(name, 'Acme');
    await user.click(screen.getByLabelText('Show the text beside the logo'));
    await user.click(screen.getByLabelText('Show the text beside the logo'));
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByTestId('brand')).toHaveTextContent('Acme Incorporated'));
    expect(document.title).toBe('Acme');
    expect(api.calls.filter((c) => c.method === 'PUT').map((c) => c.body)).toEqual([
      { appName: '', logoText: 'Acme Incorporated', showLogoText: true },
      { appName: 'Acme', logoText: 'Acme Incorporated', showLogoText: true },
    ]);
    expect(useUI.getState().branding).toEqual({ appName: 'Acme', logoText: 'Acme Incorporated', showLogoText: true, logoUrl: null });

    // Logging out forgets the tenant's branding: the next user of this browser may belong to another tenant.
    await user.click(screen.getByRole('button', { name: 'Profile menu' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Log out', hidden: true }));
    await waitFor(() => expect(useUI.getState().branding).toEqual(defaultBranding));
  }, 30_000);
});

describe('Settings → Branding for a member', () => {
  beforeEach(() => {
    vi.stubGlobal('fetch', fakeApi({ 'GET /api/tenant/branding': { body: stored }, 'GET /api/notifications/count': { body: { unread: 0 } } }).fetch);
    useUI.setState({ language: 'en', branding: defaultBranding });
    useAuth.setState({ token: 'tok', user: { id: 'usr_2', name: 'Mo', email: 'mo@example.com', role: 'member' } });
  });
  afterEach(() => { vi.unstubAllGlobals(); useAuth.getState().clear(); });

  it('shows the branding read-only', async () => {
    renderApp('/settings/branding');
    expect(await screen.findByText('Only owners and admins can change the branding.', {}, { timeout: 15_000 })).toBeInTheDocument();
    expect(screen.getByLabelText('App name')).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Save' })).toBeDisabled();
  }, 30_000);
});
