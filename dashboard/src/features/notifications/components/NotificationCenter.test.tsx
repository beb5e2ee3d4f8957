import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderApp } from '@/testing/render';
import { fakeApi } from '@/testing/api';
import { useAuth } from '@/stores/auth';
import { useUI, defaultBranding } from '@/stores/ui';

const note = (i: number, read = false) => ({ id: `ntf_${i}`, type: 'info', title: `Note ${i}`, read, createdAt: new Date().toISOString() });

describe('the notification center', () => {
  let api: ReturnType<typeof fakeApi>;
  beforeEach(() => {
    api = fakeApi({
      'GET /api/notifications/count': { body: { unread: 3 } },
      'GET /api/notifications': (c) => {
        if (c.query.get('filter') === 'unread') return { body: { data: [note(30)], unread: 3 } };
        // Page 1 ends at ntf_21 with a cursor; page 2 is the rest.
        if (c.query.get('before') === 'ntf_21') return { body: { data: [note(20, true)], unread: 3 } };
        return { body: { data: Array.from({ length: 20 }, (_, i) => note(40 - i)), nextBefore: 'ntf_21', unread: 3 } };
      },
      'POST /api/notifications/mark-all-read': { body: { success: true, updated: 3 } },
    });
    vi.stubGlobal('fetch', api.fetch);
    useUI.setState({ language: 'en', branding: defaultBranding });
    useAuth.setState({ token: 'tok', user: { id: 'usr_1', name: 'Sara', email: 'sara@example.com', role: 'owner' } });
  });
  afterEach(() => { vi.unstubAllGlobals(); useAuth.getState().clear(); });

  it('pages with the API cursor, filters unread and marks all read', async () => {
    const user = userEvent.setup();
    renderApp('/notifications');
    expect(await screen.findByText('Note 40', {}, { timeout: 15_000 })).toBeInTheDocument();
    expect(screen.queryByText('Note 20')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('Note 20')).toBeInTheDocument();
    expect(api.calls.find((c) => c.query.get('before') === 'ntf_21')?.query.get('limit')).toBe('20');
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Unread (3)' }));
    expect(await screen.findByText('Note 30')).toBeInTheDocument();
    expect(screen.queryByText('Note 40')).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Mark all read' }));
    await waitFor(() => expect(api.calls.some((c) => c.path === '/api/notifications/mark-all-read')).toBe(true));
  }, 30_000);
});
