import { apiBase, loadConfig, socketBase } from './config';

const answer = (status: number, body: unknown) => async () =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

test('a relative apiUrl is the page origin; wsUrl defaults to it', async () => {
  await loadConfig(answer(200, { apiUrl: '/' }));
  expect(apiBase()).toBe(globalThis.location.origin);
  expect(socketBase()).toBe(globalThis.location.origin);
});

test('absolute URLs are used as they are, without a trailing slash', async () => {
  await loadConfig(answer(200, { apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/', wsUrl: 'wss://ws.example.com/' }));
  expect(apiBase()).toBe('https://abc.execute-api.eu-west-1.amazonaws.com');
  expect(socketBase()).toBe('wss://ws.example.com');
});

test('a missing or broken config.json is an error naming it', async () => {
  await expect(loadConfig(answer(404, {}))).rejects.toThrow('/config.json: HTTP 404');
  await expect(loadConfig(answer(200, { wsUrl: 'wss://x' }))).rejects.toThrow('apiUrl is missing');
});
