import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderApp } from '@/testing/render';
import { fakeApi, fieldError } from '@/testing/api';
import { useAuth } from '@/stores/auth';
import { useUI, defaultBranding } from '@/stores/ui';

const hook = { id: 'wh_1', url: 'https://hooks.example.com/in', events: ['message_received'], enabled: true, headers: { 'X-Token': '********' } };
const delivery = { id: 'msg_1', webhookId: 'wh_1', event: 'webhook.test', status: 'delivered', attempts: 1, lastStatusCode: 200,
  createdAt: '2026-12-03T12:00:00Z' };

describe('Settings → Webhooks', () => {
  let api: ReturnType<typeof fakeApi>;
  let posts = 0;
  beforeEach(() => {
    posts = 0;
    api = fakeApi({
      'GET /api/notifications/count': { body: { unread: 0 } },
      'GET /api/tenant/branding': { status: 404 },
      'GET /api/webhooks': { body: { webhooks: [hook] } },
      'GET /api/webhooks/events': { body: { events: [{ name: '*', description: 'every event' }, { name: 'message_received', description: 'in' }] } },
      'POST /api/webhooks': () => (++posts === 1
        ? fieldError(['url', 'resolves to a private address (10.0.0.1)'], ['events', 'must name at least one event'])
        : { status: 201, body: { webhook: { ...hook, id: 'wh_2', secret: 'whsec_shown_once_123' } } }),
      'POST /api/webhooks/{id}/test': { body: { success: true, message: 'delivered', delivery, attempt: { n: 1, statusCode: 200, durationMs: 12 } } },
      'GET /api/webhooks/{id}/deliveries': { body: { data: [delivery, { ...delivery, id: 'msg_2', status: 'failed', lastStatusCode: 500, attempts: 3 }] } },
      'GET /api/webhooks/{id}/deliveries/{deliveryId}': { body: { ...delivery, attemptLog: [{ n: 1, at: '2026-12-03T12:00:00Z', statusCode: 200, durationMs: 34, response: 'ok' }] } },
      'POST /api/webhooks/{id}/deliveries/{deliveryId}/replay': { status: 202, body: { delivery } },
    });
    vi.stubGlobal('fetch', api.fetch);
    useUI.setState({ language: 'en', branding: defaultBranding });
    useAuth.setState({ token: 'tok', user: { id: 'usr_1', name: 'Sara', email: 'sara@example.com', role: 'owner' } });
  });
  afterEach(() => { vi.unstubAllGlobals(); useAuth.getState().clear(); });

  it("creates an endpoint: the API's field errors next to the fields, then the secret shown once", async () => {
    const user = userEvent.setup();
    renderApp('/settings/webhooks');
    await user.click(await screen.findByRole('button', { name: 'New webhook' }, { timeout: 15_000 }));
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText('URL'), 'http://10.0.0.1/in');
    await user.click(within(dialog).getByRole('button', { name: 'Add header' }));
    await user.type(within(dialog).getByLabelText('Header 1 name'), 'X-Token');
    await user.type(within(dialog).getByLabelText('Header 1 value'), 's3cret');
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(await within(dialog).findByText('resolves to a private address (10.0.0.1)')).toBeInTheDocument();
    expect(within(dialog).getByText('must name at least one event')).toBeInTheDocument();
    expect(within(dialog).getByLabelText('URL')).toHaveClass('p-invalid');
    expect(api.calls.find((c) => c.method === 'POST' && c.path === '/api/webhooks')?.body).toEqual({
      url: 'http://10.0.0.1/in', events: [], description: '', enabled: true, headers: { 'X-Token': 's3cret' } });

    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(await within(dialog).findByDisplayValue('whsec_shown_once_123')).toBeInTheDocument();
    expect(within(dialog).getByText(/shown this once/)).toBeInTheDocument();
  }, 30_000);

  it('tests an endpoint and shows the result, then its delivery log and one delivery’s attempts', async () => {
    const user = userEvent.setup();
    renderApp('/settings/webhooks');
    await user.click(await screen.findByRole('button', { name: 'Send a test event to https://hooks.example.com/in' }, { timeout: 15_000 }));
    const result = await screen.findByTestId('test-result');
    expect(within(result).getByText('The endpoint accepted the test event.')).toBeInTheDocument();
    expect(within(result).getByText('12 ms')).toBeInTheDocument();
    await user.keyboard('{Escape}');

    await user.click(screen.getByRole('button', { name: 'Delivery log of https://hooks.example.com/in' }));
    const log = await screen.findByRole('region', { name: /Deliveries to/ });
    await waitFor(() => expect(within(log).getByText('Failed')).toBeInTheDocument());
    expect(within(log).getByText('500')).toBeInTheDocument();
    await user.click(within(log).getAllByRole('button', { name: 'Replay' })[1]!);
    await waitFor(() => expect(api.calls.some((c) => c.path === '/api/webhooks/wh_1/deliveries/msg_2/replay')).toBe(true));
    await user.click(within(log).getAllByRole('button', { name: 'Attempts' })[0]!);
    const attempts = await screen.findByRole('dialog', { name: 'Delivery attempts' });
    expect(await within(attempts).findByText('34 ms')).toBeInTheDocument();
  }, 30_000);
});
