// Smoke spec: logs in, creates a session, sees its QR code, has the demo phone scan it through the API and sees the
// session turn ready without reloading, switches to Arabic and checks the right-to-left layout; sends a text from
// the Messages page and sees it delivered. The topbar shows the live feed open; the session turning ready and a
// message from a demo contact show within 10 s, well before the 30 s fallback poll, with nothing in the page asking
// for them, so they came over the WebSocket. Creates and revokes an API key; logs out.
import { email, password, until, LIVE } from './harness.mjs';

export default async function smoke(t) {
  await t.start();
  const index = await fetch(`${t.base}/`);
  if (index.headers.get('cache-control') !== 'no-cache') throw new Error('index.html is not no-cache');
  const page = await t.browser();

  // A logged-out visitor lands on the login page.
  await page.goto(`${t.base}/`);
  await page.getByRole('heading', { name: 'Sign in to WaQtor' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Sessions' }).waitFor();
  // The live feed opens once logged in; the topbar shows it with its latency.
  const live = page.locator('.wq-live');
  await live.and(page.locator('[data-state="open"]')).waitFor();
  await until('the feed latency in the topbar', async () => /^Live · \d+ ms$/.test((await live.innerText()).trim()));

  // Create a session: its card shows the QR code rendered from GET /api/sessions/{id}/qr.
  await page.getByRole('button', { name: 'New session' }).click();
  await page.getByLabel('Name').fill('Shop');
  await page.getByRole('button', { name: 'Create' }).click();
  const card = page.getByRole('article', { name: 'Shop' });
  await card.getByRole('img', { name: 'QR code for Shop' }).waitFor();
  const id = await card.getAttribute('data-session-id');
  const qrText = await card.getByRole('img', { name: 'QR code for Shop' }).getAttribute('data-qr');
  if (!id || !qrText) throw new Error('no session id or QR text on the card');
  // The create dialog is gone (its fade-out ends) before the picture is taken.
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  await t.shot('sessions-qr-en');

  // The demo phone scans the code (through the API); the card turns ready without a reload.
  const login = await (await fetch(`${t.base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }) })).json();
  const scan = await fetch(`${t.base}/api/dev/demo/sessions/${id}/scan`, { method: 'POST',
    headers: { Authorization: `Bearer ${login.token}` } });
  if (scan.status !== 202) throw new Error(`scan: ${scan.status} ${await scan.text()}`);
  await card.locator('[data-status="ready"]').waitFor({ timeout: LIVE });
  await card.getByRole('img', { name: 'QR code for Shop' }).waitFor({ state: 'detached', timeout: LIVE });
  await t.shot('sessions-ready-en');

  // Messages: send a text to a demo contact; its row goes pending → … → delivered/read without a reload.
  const contacts = await (await fetch(`${t.base}/api/dev/demo/contacts`, { headers: { Authorization: `Bearer ${login.token}` } })).json();
  const contact = contacts.contacts?.[0]?.phone;
  if (!contact) throw new Error('no demo contact: ' + JSON.stringify(contacts));
  await page.getByRole('link', { name: 'Messages' }).click();
  await page.getByRole('heading', { name: 'Messages' }).waitFor();
  await page.getByLabel('To (phone number or chat ID)').fill('+' + contact);
  await page.getByLabel('Text', { exact: true }).fill('Hello from the dashboard test');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const row = page.getByRole('row').filter({ hasText: 'Hello from the dashboard test' });
  await row.locator('[data-status="delivered"], [data-status="read"]').first().waitFor({ timeout: LIVE });
  if ((await live.getAttribute('data-state')) !== 'open') throw new Error('the live feed is not open');
  // A contact writes to the session: nothing in the page asks for it, so only the feed can bring its row.
  const write = await fetch(`${t.base}/api/dev/demo/contacts/${contact}/messages`, { method: 'POST',
    headers: { Authorization: `Bearer ${login.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ to: id, text: 'Hello from the demo contact' }) });
  if (write.status !== 202) throw new Error(`demo write: ${write.status} ${await write.text()}`);
  await page.getByRole('row').filter({ hasText: 'Hello from the demo contact' }).waitFor({ timeout: LIVE });
  await t.shot('messages-en');
  // Bad input: the API's field error is shown next to the field.
  await page.getByLabel('To (phone number or chat ID)').fill('12');
  await page.getByLabel('Text', { exact: true }).fill('x');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page.locator('#send-chat ~ small.p-error').waitFor();
  await page.getByRole('link', { name: 'Sessions' }).click();
  await page.getByRole('heading', { name: 'Sessions' }).waitFor();

  // API keys: create one (shown once), it works against the API; revoke it, and the API refuses it.
  await page.getByRole('link', { name: 'API keys' }).click();
  await page.getByRole('heading', { name: 'API keys' }).waitFor();
  await page.getByRole('button', { name: 'New API key' }).click();
  await page.getByLabel('Name').fill('Reporting');
  await page.locator('.wq-key-scopes').click();
  await page.getByRole('option', { name: 'sessions:read' }).click();
  await page.locator('label[for=key-name]').click(); // closes the scopes panel
  await page.locator('.p-multiselect-panel').waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  const apiKey = await page.getByLabel('Your new API key').inputValue();
  if (!apiKey.startsWith('wq_live_')) throw new Error('no key shown: ' + apiKey);
  await t.shot('api-keys-created-en');
  const withKey = () => fetch(`${t.base}/api/sessions`, { headers: { 'X-API-Key': apiKey } });
  if ((await withKey()).status !== 200) throw new Error('the new key does not work');
  await page.getByRole('button', { name: 'Done' }).click();
  const keyRow = page.getByRole('row').filter({ hasText: 'Reporting' });
  await keyRow.getByRole('button', { name: 'Revoke' }).click();
  await page.locator('.p-confirm-dialog').getByRole('button', { name: 'Revoke' }).click();
  await keyRow.getByText('Revoked').waitFor();
  if ((await withKey()).status !== 401) throw new Error('the revoked key still works');
  await page.getByRole('link', { name: 'Sessions' }).click();
  await page.getByRole('heading', { name: 'Sessions' }).waitFor();

  // Arabic: the whole page right to left, strings translated.
  await page.getByRole('button', { name: /Language/ }).click();
  await until('dir=rtl', async () => (await page.evaluate(() => document.documentElement.dir)) === 'rtl');
  await page.getByRole('heading', { name: 'الجلسات' }).waitFor();
  await until('the feed status in Arabic', async () => (await live.innerText()).includes('مباشر'));
  await t.shot('sessions-ready-ar');
  // The phone number stays left to right inside the Arabic text: "+" is drawn left of the digits.
  const plusLeftOfDigits = await card.locator('bdi').evaluate((e) => {
    const r = document.createRange();
    r.setStart(e.firstChild, 0); r.setEnd(e.firstChild, 1);
    const plus = r.getBoundingClientRect().left;
    r.setStart(e.firstChild, 1); r.setEnd(e.firstChild, 2);
    return plus < r.getBoundingClientRect().left;
  });
  if (!plusLeftOfDigits) throw new Error('the phone number is laid out right to left in Arabic');
  const sidebarRight = await page.evaluate(() => {
    const r = document.querySelector('.wq-sidebar').getBoundingClientRect();
    return r.right >= window.innerWidth - 1;
  });
  if (!sidebarRight) throw new Error('in Arabic the sidebar is not on the right');

  await page.getByRole('link', { name: 'الرسائل' }).click();
  await page.getByRole('heading', { name: 'الرسائل' }).waitFor();
  await page.getByRole('row').filter({ hasText: 'Hello from the dashboard test' }).first().waitFor();
  await t.shot('messages-ar');
  await page.getByRole('link', { name: 'الجلسات' }).click();

  // Dark theme, for the record.
  await page.getByRole('button', { name: 'التبديل إلى الوضع الداكن' }).click();
  await t.shot('sessions-dark-ar');

  // Log out from the profile menu: back to the login page, the token gone from the tab.
  await page.getByRole('button', { name: 'قائمة الملف الشخصي' }).click();
  await page.getByRole('menuitem', { name: 'تسجيل الخروج' }).click();
  await page.getByRole('heading', { name: 'تسجيل الدخول إلى WaQtor' }).waitFor();
  const stored = await page.evaluate(() => sessionStorage.getItem('waqtor-auth') ?? '');
  if (stored.includes('"token":"')) throw new Error('the token is still stored after logging out: ' + stored);

}
