import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, render, screen, waitFor } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router-dom';
import { useStartParam } from './startParam';
import { renderApp } from '@/testing/render';
import { fakeApi } from '@/testing/api';
import { useAuth } from '@/stores/auth';
import { useUI } from '@/stores/ui';

function Probe({ start }: { start: () => void }) {
  useStartParam('new', start);
  return <p>probe</p>;
}

describe('useStartParam', () => {
  it('starts once per link with the parameter and removes it, keeping the other parameters', async () => {
    const start = vi.fn();
    const router = createMemoryRouter([{ path: '/', element: <Probe start={start} /> }, { path: '/other', element: <p>other</p> }],
      { initialEntries: ['/other', '/?tab=2&new=1'], initialIndex: 1 });
    render(<RouterProvider router={router} />);
    await screen.findByText('probe');
    await waitFor(() => expect(router.state.location.search).toBe('?tab=2'));
    expect(start).toHaveBeenCalledTimes(1);
    // The entry was replaced: Back leaves the page, forward again is the page without the parameter.
    await act(() => router.navigate(-1));
    expect(router.state.location.pathname).toBe('/other');
    await act(() => router.navigate(1));
    expect(router.state.location.search).toBe('?tab=2');
    expect(start).toHaveBeenCalledTimes(1);
    // Another link with the parameter starts it again.
    await act(() => router.navigate('/?new=1'));
    await waitFor(() => expect(router.state.location.search).toBe(''));
    expect(start).toHaveBeenCalledTimes(2);
  });

  it('does nothing without the parameter', async () => {
    const start = vi.fn();
    const router = createMemoryRouter([{ path: '/', element: <Probe start={start} /> }], { initialEntries: ['/?tab=1'] });
    render(<RouterProvider router={router} />);
    await screen.findByText('probe');
    expect(start).not.toHaveBeenCalled();
    expect(router.state.location.search).toBe('?tab=1');
  });
});

describe('pages started by a parameter', () => {
  beforeEach(() => {
    useUI.setState({ theme: 'light', language: 'en', sidebarOpen: true });
    useAuth.setState({ token: 'tok', user: { name: 'Sara Ali', email: 'sara@example.com' } });
    vi.stubGlobal('fetch', fakeApi({
      'GET /api/sessions': { body: { sessions: [] } },
      'GET /api/messages': { body: { messages: [] } },
    }).fetch);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    useAuth.getState().clear();
  });

  it('Sessions ?new=1 opens the create dialog once', async () => {
    const { router } = renderApp('/?new=1');
    expect(await screen.findByRole('dialog', { name: 'New session' }, { timeout: 5000 })).toBeInTheDocument();
    await waitFor(() => expect(router.state.location.search).toBe(''));
  });

  it('Messages ?compose=1 focuses the compose form\'s first field', async () => {
    const { router } = renderApp('/messages?compose=1');
    await waitFor(() => expect(document.activeElement?.id).toBe('send-session'), { timeout: 5000 });
    await waitFor(() => expect(router.state.location.search).toBe(''));
  });

  it('Sessions without the parameter opens no dialog', async () => {
    renderApp('/');
    await screen.findByText(/No sessions yet/);
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });
});
