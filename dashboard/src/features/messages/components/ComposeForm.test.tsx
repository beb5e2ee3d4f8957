import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient } from '@tanstack/react-query';
import { AppProvider } from '@/app/provider';
import { ComposeForm } from './ComposeForm';

describe('ComposeForm', () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows the API's field errors next to their fields and sends what was typed", async () => {
    const bodies: unknown[] = [];
    vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
      bodies.push(await req.json());
      return new Response(JSON.stringify({ error: { code: 'validation_failed', message: 'invalid input', details: {
        fields: [{ field: 'chatId', message: 'not a phone number or chat ID' }, { field: 'text', message: 'must not be blank' }] } } }),
      { status: 422, headers: { 'Content-Type': 'application/json' } });
    }));
    const user = userEvent.setup();
    render(<AppProvider queryClient={new QueryClient()}><ComposeForm sessions={[{ id: 'ses_1', label: 'Shop' }]} /></AppProvider>);
    await user.type(screen.getByLabelText('To (phone number or chat ID)'), '12');
    await user.type(screen.getByLabelText('Text'), ' ');
    await user.click(screen.getByRole('button', { name: 'Send' }));
    expect(await screen.findByText('not a phone number or chat ID')).toBeInTheDocument();
    expect(screen.getByText('must not be blank')).toBeInTheDocument();
    expect(screen.getByLabelText('To (phone number or chat ID)')).toHaveClass('p-invalid');
    expect(bodies).toEqual([{ chatId: '12', text: ' ' }]);
  });

  it('replies to a message: quotes it, sends to its chat and session with quotedMessageId and the mentions', async () => {
    const bodies: unknown[] = [];
    vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
      bodies.push(await req.json());
      return new Response(JSON.stringify({ success: true }), { status: 202, headers: { 'Content-Type': 'application/json' } });
    }));
    const user = userEvent.setup();
    const cleared = vi.fn();
    render(<AppProvider queryClient={new QueryClient()}><ComposeForm sessions={[{ id: 'ses_1', label: 'Shop' }]}
      reply={{ messageId: 'WAM1', body: 'the original', chatId: '15550001@s.whatsapp.net', sessionId: 'ses_1', type: 'text' }}
      onClearReply={cleared} /></AppProvider>);
    expect(screen.getByTestId('reply-quote')).toHaveTextContent('the original');
    expect(screen.getByLabelText('To (phone number or chat ID)')).toHaveValue('15550001@s.whatsapp.net');
    await user.type(screen.getByLabelText('Text'), 'my answer');
    await user.type(screen.getByLabelText('Mentions'), '+15550002{enter}');
    await user.click(screen.getByRole('button', { name: 'Send' }));
    await vi.waitFor(() => expect(cleared).toHaveBeenCalled());
    expect(bodies).toEqual([{ chatId: '15550001@s.whatsapp.net', sessionId: 'ses_1', text: 'my answer',
      options: { quotedMessageId: 'WAM1', mentionedIds: ['+15550002'] } }]);
  });
});
