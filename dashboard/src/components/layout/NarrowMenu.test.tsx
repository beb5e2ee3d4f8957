import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderApp } from '@/testing/render';
import { fakeApi } from '@/testing/api';
import { useAuth } from '@/stores/auth';
import { useUI } from '@/stores/ui';

// A narrow screen: matchMedia answers the NARROW query (src/lib/media.ts) as matching.
function narrowScreen() {
  vi.stubGlobal('matchMedia', (query: string) => ({
    matches: query === '(max-width: 991px)', media: query, onchange: null,
    addEventListener: () => {}, removeEventListener: () => {}, addListener: () => {}, removeListener: () => {},
    dispatchEvent: () => false,
  }));
}

describe('the menu on a narrow screen', () => {
  beforeEach(() => {
    narrowScreen();
    vi.stubGlobal('fetch', fakeApi({ 'GET /api/sessions': { body: { sessions: [] } }, 'GET /api/messages': { body: { messages: [] } } }).fetch);
    // Docked open on wide screens (kept); that choice does not open the overlay.
    useUI.setState({ theme: 'light', language: 'en', sidebarOpen: true });
    useAuth.setState({ token: 'tok', user: { name: 'Sara Ali', email: 'sara@example.com' } });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    useAuth.getState().clear();
  });

  it('is closed by default, opens with the toggle and closes when a page is picked', async () => {
    const user = userEvent.setup();
    const { router } = renderApp('/');
    await screen.findByText(/No sessions yet/);
    const toggle = screen.getByRole('button', { name: 'Toggle menu' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByRole('navigation')).not.toBeInTheDocument();
    await user.click(toggle);
    const link = await screen.findByRole('link', { name: 'Messages' });
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    expect(document.querySelector('.wq-menu-overlay')).not.toBeNull();
    await user.click(link);
    await waitFor(() => expect(router.state.location.pathname).toBe('/messages'));
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(useUI.getState().sidebarOpen).toBe(true);
  });
});
