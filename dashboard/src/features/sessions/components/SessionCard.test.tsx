import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, screen, waitFor, within } from '@testing-library/react';
import { renderApp } from '@/testing/render';
import { fakeApi } from '@/testing/api';
import { useAuth } from '@/stores/auth';
import { useUI, defaultBranding } from '@/stores/ui';
import { applyFrame } from '@/app/live';

const stats = (sent: number, delivered: number, read: number, failed: number, inbound: number) => ({
  sessionId: 'ses_1', since: '2026-12-02T18:00:00Z', until: '2026-12-03T18:00:00Z', truncated: false, inbound,
  outbound: { total: sent + failed, sent, delivered, read, failed, pending: 0 },
});

describe('the session card’s message counters', () => {
  let current = stats(3, 2, 1, 1, 4);
  let api: ReturnType<typeof fakeApi>;
  beforeEach(() => {
    current = stats(3, 2, 1, 1, 4);
    api = fakeApi({
      'GET /api/sessions': { body: { sessions: [
        { id: 'ses_1', name: 'Shop', status: 'ready', default: true, account: { phoneNumber: '966500000201' } },
        { id: 'ses_2', name: 'New', status: 'qr', default: false },
      ] } },
      'GET /api/sessions/{id}/status': { body: { status: 'ready', state: 'ready', updatedAt: '2026-12-03T18:00:00Z' } },
      'GET /api/sessions/{id}/qr': { body: { qr: '2@abc', status: 'qr', expiresAt: null } },
      'GET /api/sessions/ses_1/stats': () => ({ body: current }),
      'GET /api/notifications/count': { body: { unread: 0 } },
    });
    vi.stubGlobal('fetch', api.fetch);
    useUI.setState({ language: 'en', branding: defaultBranding });
    useAuth.setState({ token: 'tok', user: { id: 'usr_1', name: 'Sara', email: 'sara@example.com', role: 'owner' } });
  });
  afterEach(() => { vi.unstubAllGlobals(); useAuth.getState().clear(); });

  const counter = (card: HTMLElement, name: string) =>
    within(within(card).getByText(name).parentElement as HTMLElement).getByRole('definition');

  it('shows the paired session’s counters from the API and reloads them on a message frame of that session', async () => {
    const { queryClient } = renderApp('/');
    const card = await screen.findByRole('article', { name: 'Shop' }, { timeout: 5000 });
    expect(await within(card).findByRole('region', { name: 'Messages, last 24 hours' })).toBeInTheDocument();
    expect(counter(card, 'Sent')).toHaveTextContent('3');
    expect(counter(card, 'Delivered')).toHaveTextContent('2');
    expect(counter(card, 'Read')).toHaveTextContent('1');
    expect(counter(card, 'Failed')).toHaveTextContent('1');
    expect(counter(card, 'Received')).toHaveTextContent('4');
    // An unpaired session has no counters and asks for none.
    const unpaired = screen.getByRole('article', { name: 'New' });
    expect(within(unpaired).queryByRole('region', { name: 'Messages, last 24 hours' })).toBeNull();
    expect(api.calls.some((c) => c.path === '/api/sessions/ses_2/stats')).toBe(false);

    current = stats(4, 3, 1, 1, 5);
    act(() => applyFrame(queryClient, { type: 'event', topic: 'messages', event: 'message.delivered', id: 'evt_2', time: 't',
      sessionId: 'ses_1', data: { messageId: 'm1' } }));
    await waitFor(() => expect(counter(card, 'Sent')).toHaveTextContent('4'));
    expect(counter(card, 'Delivered')).toHaveTextContent('3');
    expect(counter(card, 'Received')).toHaveTextContent('5');
    expect(api.calls.filter((c) => c.path === '/api/sessions/ses_1/stats')).toHaveLength(2);
  });

  it('links a paired session to its chats', async () => {
    renderApp('/');
    const card = await screen.findByRole('article', { name: 'Shop' }, { timeout: 5000 });
    expect(within(card).getByRole('link', { name: 'Chats of this session' })).toHaveAttribute('href', '/messages/chat?session=ses_1');
    expect(within(screen.getByRole('article', { name: 'New' })).queryByRole('link', { name: 'Chats of this session' })).toBeNull();
  });
});
