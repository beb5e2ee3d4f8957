import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient } from '@tanstack/react-query';
import { AppProvider } from '@/app/provider';
import { applyFrame } from '@/app/live';
import { fakeApi, fieldError, type Call } from '@/testing/api';
import type { Message } from '../api/messages';
import { ChatView } from './ChatView';
import { ChatList, recentChats } from './ChatList';
import { MemoryRouter } from 'react-router-dom';

const chat = '15550001@s.whatsapp.net';
const msg = (n: number, p: Partial<Message> = {}): Message => ({
  messageId: 'M' + n, sessionId: 'ses_1', chatId: chat, chat: { phone: '15550001' }, direction: n % 2 ? 'out' : 'in',
  type: 'text', body: 'message ' + n, status: n % 2 ? 'delivered' : 'received',
  timestamp: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(), ...p,
});

/** GET /api/messages as the API pages it (newest first, cursor = index), POST send-text through `send`. */
function chatApi(list: Message[], send: (c: Call) => { status?: number; body?: unknown }) {
  return fakeApi({
    'GET /api/messages': (c) => {
      const limit = Number(c.query.get('limit'));
      const from = Number(c.query.get('cursor') ?? 0);
      return { body: { messages: list.slice(from, from + limit), ...(from + limit < list.length ? { next: String(from + limit) } : {}) } };
    },
    'GET /api/messages/{id}': (c) => {
      const m = list.find((x) => x.messageId === c.path.split('/').pop());
      return m ? { body: { message: m } } : { status: 404, body: { error: { code: 'not_found', message: 'no message', details: {} } } };
    },
    'POST /api/messages/send-text': send,
  });
}

const bubbles = () => screen.getAllByRole('article').map((b) => [b.getAttribute('data-direction'), b.querySelector('.wq-bubble-text')?.textContent]);

describe('ChatView', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows the chat in time order, incoming and outgoing apart, with ticks; loads older pages to the start', async () => {
    const list = [6, 5, 4, 3, 2, 1].map((n) => msg(n));
    list[0] = { ...list[0]!, replyTo: 'M1', direction: 'in', status: 'received' };
    const api = chatApi(list, () => ({ status: 202, body: {} }));
    vi.stubGlobal('fetch', api.fetch);
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const user = userEvent.setup();
    render(<AppProvider queryClient={qc}><ChatView sessionId="ses_1" chatId={chat} pageSize={3} /></AppProvider>);
    await screen.findByText('message 6');
    expect(bubbles()).toEqual([['in', 'message 4'], ['out', 'message 5'], ['in', 'message 6']]);
    const first = api.calls[0]!;
    expect([first.query.get('sessionId'), first.query.get('chatId'), first.query.get('limit')]).toEqual(['ses_1', chat, '3']);
    // Outgoing bubbles carry their status as ticks; incoming ones none.
    expect(within(screen.getAllByRole('article')[1]!).getByRole('img', { name: 'Delivered' })).toBeInTheDocument();
    expect(within(screen.getAllByRole('article')[0]!).queryByRole('img')).toBeNull();
    // The quote of message 6 (message 1, not loaded yet) comes from the API.
    expect(await within(screen.getByTestId('bubble-quote')).findByText('message 1')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Load older messages' }));
    await screen.findByText('message 2');
    expect(bubbles().map((b) => b[1])).toEqual(['message 1', 'message 2', 'message 3', 'message 4', 'message 5', 'message 6']);
    expect(screen.queryByRole('button', { name: 'Load older messages' })).toBeNull();
    expect(screen.getByTestId('chat-start')).toHaveTextContent('Start of the conversation');

    // Ticks follow the feed: a read receipt for message 5.
    list[1] = { ...list[1]!, status: 'read' };
    applyFrame(qc, { type: 'event', topic: 'messages', event: 'message.read', id: 'e1', time: '', sessionId: 'ses_1',
      data: { messageId: 'M5' } } as never);
    const five = screen.getAllByRole('article').find((b) => b.getAttribute('data-message-id') === 'M5')!;
    expect(await within(five).findByRole('img', { name: 'Read' })).toBeInTheDocument();

    // A new incoming message appears at the end, everything loaded kept.
    list.unshift(msg(8, { direction: 'in', status: 'received' }));
    applyFrame(qc, { type: 'event', topic: 'messages', event: 'message.received', id: 'e2', time: '', sessionId: 'ses_1',
      data: { messageId: 'M8' } } as never);
    await screen.findByText('message 8');
    await vi.waitFor(() => expect(bubbles().map((b) => b[1])).toEqual(
      ['message 1', 'message 2', 'message 3', 'message 4', 'message 5', 'message 6', 'message 8']));
  }, 20_000);

  it('sends a text, as a reply to a bubble, to its chat and session; shows the API field error', async () => {
    const bodies: unknown[] = [];
    let answer: { status?: number; body?: unknown } = fieldError(['text', 'must not be blank']);
    const api = chatApi([msg(2)], (c) => { bodies.push(c.body); return answer; });
    vi.stubGlobal('fetch', api.fetch);
    const user = userEvent.setup();
    render(<AppProvider queryClient={new QueryClient()}><ChatView sessionId="ses_1" chatId={chat} /></AppProvider>);
    await screen.findByText('message 2');
    await user.type(screen.getByLabelText('Message'), ' {enter}');
    expect(await screen.findByText('must not be blank')).toBeInTheDocument();
    expect(screen.getByLabelText('Message')).toHaveClass('p-invalid');

    answer = { status: 202, body: { messageId: 'M9', status: 'pending' } };
    await user.click(within(screen.getByRole('article')).getByRole('button', { name: 'Reply' }));
    expect(screen.getByTestId('chat-reply')).toHaveTextContent('message 2');
    await user.clear(screen.getByLabelText('Message'));
    await user.type(screen.getByLabelText('Message'), 'my answer');
    await user.click(screen.getByRole('button', { name: 'Send' }));
    await vi.waitFor(() => expect(screen.queryByTestId('chat-reply')).toBeNull());
    expect(screen.getByLabelText('Message')).toHaveValue('');
    expect(screen.queryByText('must not be blank')).toBeNull();
    expect(bodies).toEqual([{ chatId: chat, sessionId: 'ses_1', text: ' ' },
      { chatId: chat, sessionId: 'ses_1', text: 'my answer', options: { quotedMessageId: 'M2' } }]);
  });
});

describe('recentChats', () => {
  it('lists each chat once, newest conversation first, with its last message and unread incoming count', () => {
    const a = (n: number, chatId: string, p: Partial<Message> = {}) => msg(n, { chatId, ...p });
    const got = recentChats([a(5, 'A', { direction: 'in', status: 'received' }), a(4, 'B', { direction: 'out', status: 'sent' }), a(3, 'A', { direction: 'in', status: 'read' }),
      a(2, 'A', { direction: 'in', status: 'received' }), a(1, 'C')]);
    expect(got.map((c) => [c.chatId, c.last.messageId, c.unread])).toEqual([['A', 'M5', 2], ['B', 'M4', 0], ['C', 'M1', 0]]);
  });
});

describe('ChatList', () => {
  afterEach(() => vi.unstubAllGlobals());

  it("links the session's recent chats to their conversations, the open one marked, unread counts named", async () => {
    const other = '15550002@s.whatsapp.net';
    const api = chatApi([msg(4, { chatId: other, chat: { phone: '15550002' } }), msg(3, { direction: 'in', status: 'received' }), msg(2)], () => ({}));
    vi.stubGlobal('fetch', api.fetch);
    render(<AppProvider queryClient={new QueryClient()}><MemoryRouter>
      <ChatList sessions={[{ id: 'ses_1', label: 'Shop' }]} sessionId="ses_1" chatId={chat} onSession={() => {}} onChat={() => {}} />
    </MemoryRouter></AppProvider>);
    const open = await screen.findByRole('link', { name: /\+15550001/ });
    expect(open).toHaveAttribute('href', '/messages/chat/ses_1/15550001');
    expect(open).toHaveAttribute('aria-current', 'page');
    expect(open).toHaveTextContent('2 unread');
    expect(screen.getByRole('link', { name: /\+15550002/ })).not.toHaveAttribute('aria-current');
    expect(api.calls[0]?.query.get('limit')).toBe('200');
    expect(api.calls[0]?.query.get('sessionId')).toBe('ses_1');
  });
});
