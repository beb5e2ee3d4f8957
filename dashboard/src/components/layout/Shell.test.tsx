import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderApp } from '@/testing/render';
import { useAuth } from '@/stores/auth';
import { useUI } from '@/stores/ui';
import { pages } from '@/app/pages';
import i18n from '@/lib/i18n';

// The shell's pages fetch from the API: answer GET /api/sessions with an empty list, anything else 404.
function fakeAPI() {
  return vi.fn(async (input: RequestInfo | URL) => {
    const url = new URL(input instanceof Request ? input.url : String(input), 'http://localhost');
    if (url.pathname === '/api/sessions') return new Response(JSON.stringify({ sessions: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } });
    return new Response(JSON.stringify({ error: { code: 'not_found', message: 'no', details: {} } }), { status: 404 });
  });
}

describe('shell', () => {
  beforeEach(() => {
    vi.stubGlobal('fetch', fakeAPI());
    useUI.setState({ theme: 'light', language: 'en', sidebarOpen: true });
    useAuth.setState({ token: 'tok', user: { name: 'Sara Ali', email: 'sara@example.com' } });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    useAuth.getState().clear();
  });

  it('renders the menu from the page list and the user initial', async () => {
    renderApp('/');
    const nav = await screen.findByRole('navigation');
    const menu = pages.filter((p) => p.menu !== false);
    expect(menu.length).toBeLessThan(pages.length); // the chat view's path, with parameters, is a route only
    for (const p of menu) {
      const name = i18n.t(p.label, { lng: 'en' }) + (p.tag ? ' ' + i18n.t(p.tag, { lng: 'en' }) : '');
      expect(await screen.findByRole('link', { name })).toBeInTheDocument();
    }
    expect(nav.querySelectorAll('a')).toHaveLength(menu.length);
    expect(screen.getByRole('button', { name: 'Profile menu' })).toHaveTextContent('S');
    expect(await screen.findByText(/No sessions yet/)).toBeInTheDocument();
  });

  it('the language switch lays the page out right to left in Arabic and back', async () => {
    const user = userEvent.setup();
    renderApp('/');
    await user.click(await screen.findByRole('button', { name: /Language/ }));
    await waitFor(() => expect(document.documentElement).toHaveAttribute('dir', 'rtl'));
    expect(document.documentElement).toHaveAttribute('lang', 'ar');
    expect(await screen.findByRole('link', { name: 'الجلسات' })).toBeInTheDocument();
    expect(JSON.parse(localStorage.getItem('waqtor-ui') ?? '{}').state.language).toBe('ar');
    await user.click(screen.getByRole('button', { name: /اللغة/ }));
    await waitFor(() => expect(document.documentElement).toHaveAttribute('dir', 'ltr'));
  });

  it('opens the live feed once logged in and shows its status in the topbar', async () => {
    renderApp('/');
    // The feed asks a ticket with the login's token; this fake API refuses it, so the client backs off.
    await waitFor(() => {
      const calls = (globalThis.fetch as ReturnType<typeof vi.fn>).mock.calls.map(([r]) => r as Request);
      const ticket = calls.find((r) => new URL(r.url).pathname === '/api/realtime/ticket');
      expect(ticket?.method).toBe('POST');
      expect(ticket?.headers.get('Authorization')).toBe('Bearer tok');
    });
    expect(await screen.findByRole('status', { name: 'Live updates: Reconnecting…' })).toHaveAttribute('data-state', 'reconnecting');
  });

  it('the menu toggle hides and shows the sidebar', async () => {
    const user = userEvent.setup();
    renderApp('/');
    const toggle = await screen.findByRole('button', { name: 'Toggle menu' });
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    await user.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(useUI.getState().sidebarOpen).toBe(false);
  });

  it('sends a logged-out visitor to the login page, remembering where they were going', async () => {
    useAuth.getState().clear();
    const { router } = renderApp('/?tab=1');
    expect(await screen.findByRole('heading', { name: 'Sign in to WaQtor' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
    expect(router.state.location.search).toBe('?next=' + encodeURIComponent('/?tab=1'));
  });

  it('answers an unknown path with the not-found page', async () => {
    renderApp('/no/such/page');
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
  });
});
