import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { ApiError, toApiError } from './errors';
import { useAuth } from '@/stores/auth';
import { apiBase } from '@/lib/config';

/** Called when the API answers 401 to a logged-in request: the app sends the user to /login and back. */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(fn: () => void) {
  onUnauthorized = fn;
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = useAuth.getState().token;
    if (token && !request.headers.has('Authorization')) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ request, response }) {
    // A 401 to a request that carried our token means the login ended (expired, revoked): forget it and re-login.
    // A 401 from /api/auth/login is a wrong password, shown on the form.
    if (response.status === 401 && request.headers.has('Authorization')) {
      useAuth.getState().clear();
      onUnauthorized();
    }
    return response;
  },
};

export function makeClient(opts: { baseUrl?: string; fetch?: typeof globalThis.fetch } = {}) {
  // /config.json's apiUrl (src/lib/config.ts): the page's own origin in standalone (`npm run dev` proxies it).
  const c = createClient<paths>({ baseUrl: opts.baseUrl ?? apiBase(), ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  c.use(auth);
  return c;
}

/** The one API client of the dashboard; a live binding, replaced by applyRuntimeConfig once /config.json is read. */
export let api = makeClient({ fetch: (req) => globalThis.fetch(req) });

/** Points the API client at the runtime configuration's apiUrl (called at start, after loadConfig). */
export function applyRuntimeConfig() {
  api = makeClient({ fetch: (req) => globalThis.fetch(req) });
}

/** Returns data or throws the API's error unchanged as an ApiError. */
export async function unwrap<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await p;
  if (!response.ok || error !== undefined) throw toApiError(response.status, error);
  return data as T;
}

export { ApiError };
