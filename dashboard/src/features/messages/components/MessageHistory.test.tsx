import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router-dom';
import { AppProvider } from '@/app/provider';
import { fakeApi } from '@/testing/api';
import { applyFrame } from '@/app/live';
import { applyMessageFrame, noFilter, refreshMessagePages, type HistoryFilter, type Message } from '../api/messages';
import { MessageHistory } from './MessageHistory';

/** A store of messages, newest first, answered by GET /api/messages like the API: `limit`, `cursor` = the `next`
 *  of the page before (here the index of the first message of the page), `direction` filter. */
export function messageStore(list: Message[]) {
  const api = fakeApi({
    'GET /api/messages': (c) => {
      const dir = c.query.get('direction');
      const chat = c.query.get('chatId');
      const all = list.filter((m) => (!dir || m.direction === dir) && (!chat || m.chatId === chat));
      const limit = Number(c.query.get('limit') ?? 50);
      const from = Number(c.query.get('cursor') ?? 0);
      const page = all.slice(from, from + limit);
      return { body: { messages: page, ...(from + limit < all.length ? { next: String(from + limit) } : {}) } };
    },
  });
  return api;
}

const msg = (n: number, p: Partial<Message> = {}): Message => ({
  messageId: 'M' + n, sessionId: 'ses_1', chatId: '15550001@s.whatsapp.net', chat: { phone: '15550001' }, direction: 'out',
  type: 'text', body: 'message ' + n, status: 'sent', timestamp: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(), ...p,
});

function History({ filter: initial = noFilter }: { filter?: HistoryFilter }) {
  return <MessageHistory sessions={[]} filter={initial} onFilter={() => {}} onReply={() => {}} pageSize={2} />;
}

const rows = () => screen.getAllByRole('row').slice(1).map((r) => within(r).getAllByRole('cell')[3]?.textContent ?? '');

describe('MessageHistory paging', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('loads older pages by cursor to the oldest; live frames add new ones at the top and update any loaded row', async () => {
    const list = [5, 4, 3, 2, 1].map((n) => msg(n));
    const api = messageStore(list);
    vi.stubGlobal('fetch', api.fetch);
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const user = userEvent.setup();
    render(<AppProvider queryClient={qc}><MemoryRouter><History /></MemoryRouter></AppProvider>);
    await screen.findByText('message 5');
    expect(rows()).toEqual(['message 5', 'message 4']);
    expect(screen.getByTestId('history-count')).toHaveTextContent('2 newest messages shown');

    await user.click(screen.getByRole('button', { name: 'Load older' }));
    await screen.findByText('message 3');
    await user.click(screen.getByRole('button', { name: 'Load older' }));
    await screen.findByText('message 1');
    expect(rows()).toEqual(['message 5', 'message 4', 'message 3', 'message 2', 'message 1']);
    expect(screen.queryByRole('button', { name: 'Load older' })).toBeNull();
    expect(screen.getByTestId('history-count')).toHaveTextContent('All 5 messages shown');
    expect(api.calls.map((c) => c.query.get('cursor'))).toEqual([null, '2', '4']);

    // A receipt for a message of the last page: its row changes from the frame itself, with no request.
    const asked = api.calls.length;
    list[4] = { ...list[4]!, status: 'read' };
    applyMessageFrame(qc, { event: 'message.read', data: { messageId: 'M1' } });
    expect(await within(screen.getAllByRole('row').at(-1)!).findByText('Read')).toBeInTheDocument();
    expect(api.calls.length).toBe(asked);
    // A late "sent" receipt does not move it back.
    applyMessageFrame(qc, { event: 'message.sent', data: { messageId: 'M1' } });
    expect(within(screen.getAllByRole('row').at(-1)!).getByText('Read')).toBeInTheDocument();

    // A new message: the frame refetches every loaded page; it is on top and nothing loaded is lost.
    list.unshift(msg(6, { direction: 'in', status: 'received' }));
    applyFrame(qc, { type: 'event', topic: 'messages', event: 'message.received', id: 'e2', time: '', sessionId: 'ses_1',
      data: { messageId: 'M6' } } as never);
    await screen.findByText('message 6');
    await vi.waitFor(() => expect(rows()).toEqual(['message 6', 'message 5', 'message 4', 'message 3', 'message 2', 'message 1']));
    expect(within(screen.getAllByRole('row').at(-1)!).getByText('Read')).toBeInTheDocument();
  }, 20_000);

  it('coalesces a burst of frames into at most two requests for the newest page', async () => {
    const api = messageStore([msg(2), msg(1)]);
    vi.stubGlobal('fetch', api.fetch);
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(<AppProvider queryClient={qc}><MemoryRouter><History /></MemoryRouter></AppProvider>);
    await screen.findByText('message 2');
    const before = api.calls.length;
    await Promise.all(Array.from({ length: 10 }, () => refreshMessagePages(qc)));
    expect(api.calls.length - before).toBe(2);
  });

  it('starts again from the newest page when the filter changes', async () => {
    const api = messageStore([msg(4, { direction: 'in', status: 'received' }), msg(3), msg(2, { direction: 'in', status: 'received' }), msg(1)]);
    vi.stubGlobal('fetch', api.fetch);
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const user = userEvent.setup();
    const { rerender } = render(<AppProvider queryClient={qc}><MemoryRouter><History /></MemoryRouter></AppProvider>);
    await screen.findByText('message 4');
    await user.click(screen.getByRole('button', { name: 'Load older' }));
    await screen.findByText('message 1');
    rerender(<AppProvider queryClient={qc}><MemoryRouter><History filter={{ ...noFilter, direction: 'in' }} /></MemoryRouter></AppProvider>);
    await vi.waitFor(() => expect(rows()).toEqual(['message 4', 'message 2']));
    const last = api.calls.at(-1)!;
    expect(last.query.get('direction')).toBe('in');
    expect(last.query.get('cursor')).toBeNull();
  });

  it('links a chat to its conversation', async () => {
    vi.stubGlobal('fetch', messageStore([msg(1)]).fetch);
    render(<AppProvider queryClient={new QueryClient()}><MemoryRouter><History /></MemoryRouter></AppProvider>);
    const link = await screen.findByRole('link', { name: '+15550001' });
    expect(link).toHaveAttribute('href', '/messages/chat/ses_1/15550001');
  });
});
