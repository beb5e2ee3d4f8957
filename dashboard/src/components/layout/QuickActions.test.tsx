import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderApp } from '@/testing/render';
import { fakeApi } from '@/testing/api';
import { useAuth } from '@/stores/auth';
import { useUI } from '@/stores/ui';
import { allowedQuickActions, quickActions } from './QuickActions';

describe('allowedQuickActions', () => {
  it('shows each action only to scopes that allow its API call', () => {
    expect(allowedQuickActions(undefined)).toEqual([]);
    expect(allowedQuickActions([])).toEqual([]);
    expect(allowedQuickActions(['*']).map((a) => a.key)).toEqual(['message', 'session', 'webhook']);
    expect(allowedQuickActions(['messages:send', 'sessions:read']).map((a) => a.key)).toEqual(['message']);
    expect(allowedQuickActions(['sessions:write', 'webhooks:read']).map((a) => a.key)).toEqual(['session']);
    expect(allowedQuickActions(['webhooks:write']).map((a) => a.key)).toEqual(['webhook']);
  });

  it('links each action to its page with the parameter the page reads', () => {
    expect(Object.fromEntries(quickActions.map((a) => [a.key, [a.to, a.scope]]))).toEqual({
      message: ['/messages?compose=1', 'messages:send'],
      session: ['/?new=1', 'sessions:write'],
      webhook: ['/settings/webhooks?new=1', 'webhooks:write'],
    });
  });
});

const me = (scopes: string[]) => ({ body: { tenant: { id: 't1' }, user: { id: 'u1', email: 'sara@example.com', role: 'member' },
  auth: { type: 'token', role: 'member', scopes } } });

describe('the quick actions menu', () => {
  beforeEach(() => {
    useUI.setState({ theme: 'light', language: 'en', sidebarOpen: true });
    useAuth.setState({ token: 'tok', user: { name: 'Sara Ali', email: 'sara@example.com' } });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    useAuth.getState().clear();
  });

  function stub(scopes: string[]) {
    const api = fakeApi({
      'GET /api/me': me(scopes),
      'GET /api/sessions': { body: { sessions: [] } },
      'GET /api/webhooks': { body: { webhooks: [] } },
      'GET /api/webhooks/events': { body: { events: [] } },
      'GET /api/messages': { body: { messages: [] } },
    });
    vi.stubGlobal('fetch', api.fetch);
    return api;
  }

  it('lists what the scopes allow and starts the action on its page, the parameter removed', async () => {
    stub(['sessions:write', 'webhooks:write']);
    const user = userEvent.setup();
    const { router } = renderApp('/about');
    const button = await screen.findByRole('button', { name: 'Quick actions' });
    expect(button).toHaveAttribute('aria-haspopup', 'menu');
    await user.click(button);
    // (jsdom never ends the popup's enter transition, so the menu stays display:none: found with hidden.)
    const items = await screen.findAllByRole('menuitem', { hidden: true });
    expect(items.map((i) => i.textContent)).toEqual(['New session', 'New webhook']);
    fireEvent.click(within(items[1]!).getByText('New webhook'));
    expect(await screen.findByRole('dialog', { name: 'New webhook' }, { timeout: 5000 })).toBeInTheDocument();
    await waitFor(() => expect(router.state.location.search).toBe(''));
    expect(router.state.location.pathname).toBe('/settings/webhooks');
  });

  it('is not shown when the scopes allow no action', async () => {
    stub(['sessions:read', 'messages:read']);
    const { queryClient } = renderApp('/about');
    await screen.findByRole('heading', { level: 1 });
    // Once the scopes are known (the me query answered), the topbar still has no "+".
    await waitFor(() => expect(queryClient.getQueryState(['profile', 'me'])?.status).toBe('success'));
    expect(screen.queryByRole('button', { name: 'Quick actions' })).not.toBeInTheDocument();
  });
});
