import { beforeEach, describe, expect, it, vi } from 'vitest';
import { makeClient, setUnauthorizedHandler, unwrap } from './client';
import { ApiError, fieldErrors } from './errors';
import { useAuth } from '@/stores/auth';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

function clientAnswering(res: () => Response) {
  const calls: Request[] = [];
  const client = makeClient({ baseUrl: 'http://waqtor.test', fetch: async (input) => { calls.push(input as Request); return res(); } });
  return { client, calls };
}

describe('API client', () => {
  beforeEach(() => {
    useAuth.getState().clear();
    setUnauthorizedHandler(() => {});
  });

  it('sends the login token and returns the data', async () => {
    useAuth.setState({ token: 'tok_123' });
    const { client, calls } = clientAnswering(() => json(200, { sessions: [{ id: 'ses_1', status: 'qr' }] }));
    const data = await unwrap(client.GET('/api/sessions'));
    expect(data.sessions?.[0]?.id).toBe('ses_1');
    expect(calls[0]?.headers.get('Authorization')).toBe('Bearer tok_123');
  });

  it('sends no Authorization header when logged out', async () => {
    const { client, calls } = clientAnswering(() => json(200, { sessions: [] }));
    await unwrap(client.GET('/api/sessions'));
    expect(calls[0]?.headers.has('Authorization')).toBe(false);
  });

  it("surfaces the API's code, message and field details unchanged", async () => {
    useAuth.setState({ token: 'tok_123' });
    const body = { error: { code: 'validation_failed', message: 'name: too long', requestId: 'req_9',
      details: { fields: [{ field: 'name', message: 'at most 100 characters' }] } } };
    const { client } = clientAnswering(() => json(422, body));
    const err = await unwrap(client.POST('/api/sessions', { body: { name: 'x' } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect([e.status, e.code, e.message, e.requestId]).toEqual([422, 'validation_failed', 'name: too long', 'req_9']);
    expect(e.details).toEqual(body.error.details);
    expect(fieldErrors(e)).toEqual({ name: 'at most 100 characters' });
  });

  it('maps a body that is not the API error shape to the status', async () => {
    const { client } = clientAnswering(() => new Response('<html>bad gateway</html>', { status: 502 }));
    const err = (await unwrap(client.GET('/api/sessions')).catch((e: unknown) => e)) as ApiError;
    expect([err.status, err.code]).toEqual([502, 'internal']);
  });

  it('on 401 to a logged-in request forgets the token and calls the re-login handler', async () => {
    useAuth.setState({ token: 'expired' });
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    const { client } = clientAnswering(() => json(401, { error: { code: 'unauthorized', message: 'token expired', details: {} } }));
    const err = (await unwrap(client.GET('/api/sessions')).catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe('unauthorized');
    expect(onUnauthorized).toHaveBeenCalledOnce();
    expect(useAuth.getState().token).toBeNull();
  });

  it('a wrong password (401 without a token) stays on the form', async () => {
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    const { client } = clientAnswering(() => json(401, { error: { code: 'unauthorized', message: 'wrong email or password', details: {} } }));
    const err = (await unwrap(client.POST('/api/auth/login', { body: { email: 'a@b.c', password: 'x' } }))
      .catch((e: unknown) => e)) as ApiError;
    expect(err.message).toBe('wrong email or password');
    expect(onUnauthorized).not.toHaveBeenCalled();
  });
});
