import { vi } from 'vitest';

export interface Call { method: string; path: string; query: URLSearchParams; body: unknown }
type Answer = { status?: number; body?: unknown } | ((c: Call) => { status?: number; body?: unknown });

/** A fake API for component tests: answers "METHOD /path" from the table (a path pattern may use {x} for one
 *  segment), 404 for anything else, and records every call (JSON bodies parsed). Install with vi.stubGlobal. */
export function fakeApi(table: Record<string, Answer>) {
  const calls: Call[] = [];
  const routes = Object.entries(table).map(([k, answer]) => {
    const [method, pattern] = k.split(' ') as [string, string];
    const re = new RegExp('^' + pattern.replace(/\{\w+\}/g, '[^/]+') + '$');
    return { method, re, answer };
  });
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(new URL(String(input), 'http://localhost'), init);
    const url = new URL(req.url);
    const text = req.method === 'GET' || req.method === 'HEAD' ? '' : await req.text();
    let body: unknown = text;
    try { body = text ? JSON.parse(text) : undefined; } catch { /* not JSON: kept as text */ }
    const call = { method: req.method, path: url.pathname, query: url.searchParams, body };
    calls.push(call);
    const r = routes.find((x) => x.method === req.method && x.re.test(url.pathname));
    const a = r ? (typeof r.answer === 'function' ? r.answer(call) : r.answer)
      : { status: 404, body: { error: { code: 'not_found', message: 'no route', details: {} } } };
    return new Response(a.body === undefined ? null : JSON.stringify(a.body),
      { status: a.status ?? 200, headers: { 'Content-Type': 'application/json' } });
  });
  return { fetch, calls };
}

export const fieldError = (...fields: [string, string][]) => ({
  status: 422,
  body: { error: { code: 'validation_failed', message: `${fields[0]?.[0]}: ${fields[0]?.[1]}`,
    details: { fields: fields.map(([field, message]) => ({ field, message })) } } },
});
