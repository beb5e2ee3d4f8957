import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderApp } from '@/testing/render';
import { fakeApi } from '@/testing/api';
import { useAuth } from '@/stores/auth';
import { useUI, defaultBranding } from '@/stores/ui';

const chat = '15550001@s.whatsapp.net';
const m = { messageId: 'M1', sessionId: 'ses_2', chatId: chat, chat: { phone: '15550001' }, direction: 'in', type: 'text',
  body: 'hello there', status: 'received', timestamp: '2026-12-03T10:00:00Z' };

describe('the Chats page', () => {
  let api: ReturnType<typeof fakeApi>;
  beforeEach(() => {
    api = fakeApi({
      'GET /api/sessions': { body: { sessions: [{ id: 'ses_1', name: 'Shop', status: 'ready' }, { id: 'ses_2', name: 'Desk', status: 'ready' }] } },
      'GET /api/messages': (c) => ({ body: { messages: c.query.get('sessionId') === 'ses_2' ? [m] : [] } }),
      'GET /api/notifications/count': { body: { unread: 0 } },
    });
    vi.stubGlobal('fetch', api.fetch);
    useUI.setState({ language: 'en', branding: defaultBranding });
    useAuth.setState({ token: 'tok', user: { id: 'usr_1', name: 'Sara', email: 'sara@example.com', role: 'owner' } });
  });
  afterEach(() => { vi.unstubAllGlobals(); useAuth.getState().clear(); });

  it('opens the conversation of the path: the session and the number as its canonical chat', async () => {
    renderApp('/messages/chat/ses_2/15550001');
    const view = await screen.findByTestId('chat-view');
    expect(await within(view).findByText('hello there')).toBeInTheDocument();
    expect(within(view).getByRole('heading', { name: '+15550001' })).toBeInTheDocument();
    const asked = api.calls.find((c) => c.path === '/api/messages' && c.query.get('chatId'));
    expect([asked?.query.get('sessionId'), asked?.query.get('chatId')]).toEqual(['ses_2', chat]);
    expect(await screen.findByRole('link', { name: /\+15550001/ })).toHaveAttribute('aria-current', 'page');
    // The menu marks Chats, not Messages, as the current page.
    const nav = screen.getByRole('navigation');
    expect(within(nav).getByRole('link', { name: 'Chats' })).toHaveClass('active');
    expect(within(nav).getByRole('link', { name: 'Messages' })).not.toHaveClass('active');
  });

  it("takes the session card's ?session= and opens a typed number", async () => {
    const { router } = renderApp('/messages/chat?session=ses_2');
    expect(await screen.findByText('Pick a chat to read the conversation.')).toBeInTheDocument();
    expect(await screen.findByRole('link', { name: /\+15550001/ })).toBeInTheDocument();
    await userEvent.setup().type(screen.getByLabelText('Open a chat (phone number or chat ID)'), '+1 555 0001{enter}');
    expect(router.state.location.pathname).toBe('/messages/chat/ses_2/15550001');
    expect(await within(await screen.findByTestId('chat-view')).findByText('hello there')).toBeInTheDocument();
  });
});
