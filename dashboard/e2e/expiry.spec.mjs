// An expired login: WaQtor runs with WAQTOR_TOKEN_TTL=6s. The owner logs in and opens Messages with a filter in the
// URL; once the API refuses the token (checked from outside the page), the owner goes on to API keys: the page's
// request gets 401, the app sends the owner to the login page with next=/api-keys, and signing in again leads back
// there, with the page's data loaded. A reload with the expired token in the tab does the same for the page reloaded,
// query string included.
import { email, password, until } from './harness.mjs';

const TTL_MS = 6_000;

export default async function expiry(t) {
  await t.start({ WAQTOR_TOKEN_TTL: `${TTL_MS / 1000}s` });
  const page = await t.browser();
  await t.login();
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('waqtor-auth') ?? '{}').state?.token);
  if (!token) throw new Error('no token in the tab after logging in');
  await page.getByRole('link', { name: 'Messages' }).click();
  await page.getByRole('heading', { name: 'Messages' }).waitFor();

  // The token expires: the API says so (no sleep: ask until it answers 401).
  await until('the API to refuse the expired token', async () =>
    (await fetch(`${t.base}/api/sessions`, { headers: { Authorization: `Bearer ${token}` } })).status === 401, TTL_MS + 10_000);

  // The next request of the app gets 401: to the login page, remembering where the owner was going.
  await page.getByRole('link', { name: 'API keys' }).click();
  await page.getByRole('heading', { name: 'Sign in to WaQtor' }).waitFor();
  const url = new URL(page.url());
  if (url.pathname !== '/login' || url.searchParams.get('next') !== '/api-keys') throw new Error(`after the 401: ${page.url()}, want /login?next=/api-keys`);
  const stored = await page.evaluate(() => sessionStorage.getItem('waqtor-auth') ?? '');
  if (stored.includes(token)) throw new Error('the expired token is still stored');
  await t.shot('expired-login-en');

  // Signing in again leads back there.
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'API keys' }).waitFor();
  if (new URL(page.url()).pathname !== '/api-keys') throw new Error(`after signing in again: ${page.url()}, want /api-keys`);
  // The bootstrap API key is listed: the page's request went through with the new token.
  await page.getByRole('row').nth(1).waitFor();

  // A reload after the new token expired: the reloaded page, query string and all, is where signing in leads.
  const second = await page.evaluate(() => JSON.parse(sessionStorage.getItem('waqtor-auth') ?? '{}').state?.token);
  await page.goto(`${t.base}/messages?session=none`);
  await page.getByRole('heading', { name: 'Messages' }).waitFor();
  await until('the API to refuse the second token', async () =>
    (await fetch(`${t.base}/api/sessions`, { headers: { Authorization: `Bearer ${second}` } })).status === 401, TTL_MS + 10_000);
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in to WaQtor' }).waitFor();
  const after = new URL(page.url());
  if (after.searchParams.get('next') !== '/messages?session=none') throw new Error(`after a reload with an expired token: ${page.url()}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Messages' }).waitFor();
  const back = new URL(page.url());
  if (back.pathname + back.search !== '/messages?session=none') throw new Error(`after signing in again: ${page.url()}, want /messages?session=none`);
}
