import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient } from '@tanstack/react-query';
import { AppProvider } from '@/app/provider';
import { InteractiveComposer } from './InteractiveComposer';

describe('InteractiveComposer', () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows the caveat, sends the list as typed, and shows the API's field errors, nested ones listed", async () => {
    const bodies: unknown[] = [];
    vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
      bodies.push({ path: new URL(req.url).pathname, body: await req.json() });
      return new Response(JSON.stringify({ error: { code: 'validation_failed', message: 'invalid input', details: { fields: [
        { field: 'buttonText', message: 'is required' }, { field: 'sections[0].rows[0].title', message: 'must be at most 24 characters' }] } } }),
      { status: 422, headers: { 'Content-Type': 'application/json' } });
    }));
    const user = userEvent.setup();
    render(<AppProvider queryClient={new QueryClient()}><InteractiveComposer sessions={[]} /></AppProvider>);
    expect(screen.getByText(/Buttons and lists are sent as WhatsApp sends them from a linked device/)).toBeInTheDocument();
    await user.click(screen.getByRole('tab', { name: 'List' }));
    const form = screen.getByRole('form', { name: 'List' });
    await user.type(screen.getAllByLabelText('To (phone number or chat ID)').at(-1)!, '966501234567');
    await user.type(screen.getByLabelText('Text', { selector: '#ix-ltext' }), 'Menu');
    await user.type(screen.getByLabelText('Rows (Enter or comma after each)'), 'A very long row title indeed{enter}');
    await user.click(form.querySelector('button[type=submit]')!);
    expect(await screen.findByText('is required')).toBeInTheDocument();
    expect(screen.getByText('sections[0].rows[0].title')).toBeInTheDocument();
    expect(screen.getByText(/must be at most 24 characters/)).toBeInTheDocument();
    expect(bodies).toEqual([{ path: '/api/messages/send-list', body: { chatId: '966501234567', text: 'Menu', buttonText: '',
      sections: [{ title: '', rows: [{ title: 'A very long row title indeed' }] }] } }]);
  }, 30000);
});
