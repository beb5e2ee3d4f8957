// Settings spec: webhooks (create one pointing at a receiver this spec runs on 127.0.0.1, WAQTOR_WEBHOOK_ALLOW
// opening it; the secret shown once; press Test, see the receiver get the signed event and the delivery log fill;
// one delivery's attempts), branding (app name, logo text, a logo upload; the topbar follows, and after clearing
// the browser's copy and reloading it still shows the tenant's branding, so it came from the server), users & roles
// (the password policy's error next to the field; a role change previewed with its key impact), and notifications
// (the login lockout's notification in the bell and the center). Screenshots of each page in English and Arabic.
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import { email, until } from './harness.mjs';

/** A 64×64 PNG: a teal disc on transparency. */
function logoPNG(size = 64) {
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) {
      const inside = (x - size / 2 + 0.5) ** 2 + (y - size / 2 + 0.5) ** 2 < (size / 2 - 2) ** 2;
      row.set(inside ? [15, 118, 110, 255] : [0, 0, 0, 0], 1 + x * 4);
    }
    rows.push(row);
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4); ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}
const png = logoPNG();

function receiver() {
  const got = [];
  const srv = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => { got.push({ path: req.url, headers: req.headers, body }); res.writeHead(200).end('ok'); });
  });
  return new Promise((res) => srv.listen(0, '127.0.0.1', () => res({ srv, got, url: `http://127.0.0.1:${srv.address().port}/hook` })));
}

/** Waits for an overlay (dialog, panel) to finish its opening transition, so a screenshot shows it whole. */
function opened(loc) {
  return until('an overlay to finish opening', () => loc.evaluate((e) => {
    const d = e.closest('.p-dialog, .p-overlaypanel') ?? e;
    return getComputedStyle(d).opacity === '1' && !/-enter(-active)?(\s|$)/.test(d.className);
  }));
}

export default async function settings(t) {
  const rx = await receiver();
  try {
    await run(t, rx);
  } finally {
    rx.srv.close();
  }
}

async function run(t, rx) {
  await t.start({ WAQTOR_WEBHOOK_ALLOW: '127.0.0.1' });
  const page = await t.browser();
  await t.login();
  // The API as the owner, logged in now (before the lockout below pauses the owner's sign-in).
  if ((await t.api('/api/me')).status !== 200) throw new Error('owner API login failed');

  // ---- Webhooks ----
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
  await page.getByText('No webhooks yet.').waitFor();
  await page.getByRole('button', { name: 'New webhook' }).click();
  const dialog = page.getByRole('dialog', { name: 'New webhook' });
  await dialog.getByLabel('URL').fill(rx.url);
  await dialog.locator('.p-multiselect').click();
  await page.getByRole('option', { name: 'message_received' }).click();
  await dialog.locator('label[for=wh-url]').click(); // closes the events panel
  await page.locator('.p-multiselect-panel').waitFor({ state: 'detached' });
  await dialog.getByRole('button', { name: 'Add header' }).click();
  await dialog.getByLabel('Header 1 name').fill('X-Receiver-Token');
  await dialog.getByLabel('Header 1 value').fill('tok-123');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  const secret = await dialog.getByLabel('Signing secret', { exact: true }).inputValue();
  if (!secret.startsWith('whsec_')) throw new Error('no secret shown: ' + secret);
  await opened(dialog);
  await t.shot('settings-webhooks-secret-en');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await dialog.waitFor({ state: 'detached' });
  const row = page.getByRole('row').filter({ hasText: rx.url });
  await row.waitFor();

  // The delivery log starts empty; Test sends a signed event to the receiver and the log fills.
  await row.getByRole('button', { name: `Delivery log of ${rx.url}` }).click();
  const log = page.getByRole('region', { name: /Deliveries to/ });
  await log.getByText('No deliveries yet.').waitFor();
  await row.getByRole('button', { name: `Send a test event to ${rx.url}` }).click();
  const result = page.getByTestId('test-result');
  await result.getByText('The endpoint accepted the test event.').waitFor();
  await result.getByText('200', { exact: true }).waitFor();
  await until('the receiver to get the test event', () => rx.got.length > 0);
  const hit = rx.got[0];
  if (!hit.headers['webhook-signature'] || hit.headers['x-receiver-token'] !== 'tok-123') {
    throw new Error('the test delivery lacks its signature or custom header: ' + JSON.stringify(hit.headers));
  }
  await opened(result);
  await t.shot('settings-webhooks-test-en');
  await page.keyboard.press('Escape');
  await result.waitFor({ state: 'detached' });
  const delivered = log.getByRole('row').filter({ hasText: 'Delivered' });
  await delivered.first().waitFor();
  await delivered.first().getByText('200', { exact: true }).waitFor();
  await delivered.first().getByRole('button', { name: 'Attempts' }).click();
  const attempts = page.getByRole('dialog', { name: 'Delivery attempts' });
  await attempts.getByText(/^\d+ ms$/).first().waitFor();
  await opened(attempts);
  await t.shot('settings-webhooks-attempts-en');
  await page.keyboard.press('Escape');
  await attempts.waitFor({ state: 'detached' });
  await t.shot('settings-webhooks-en');

  // ---- Branding ----
  await page.getByRole('link', { name: 'Branding' }).click();
  await page.getByRole('heading', { name: 'Branding' }).waitFor();
  const brand = page.getByTestId('brand');
  if ((await brand.innerText()).trim() !== 'WaQtor') throw new Error('the topbar does not start with WaQtor: ' + await brand.innerText());
  await page.getByLabel('App name').fill('');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#brand-app-name ~ small.p-error').getByText('is required').waitFor();
  await page.getByLabel('App name').fill('Acme Support');
  await page.getByLabel('Logo text').fill('Acme');
  await page.getByRole('button', { name: 'Save' }).click();
  await until('the topbar to show the logo text', async () => (await brand.innerText()).trim() === 'Acme');
  const file = join(t.tmp, 'logo.png');
  writeFileSync(file, png);
  await page.locator('.wq-branding input[type=file]').setInputFiles(file);
  await page.getByRole('img', { name: 'Your logo' }).waitFor();
  await brand.locator('img.wq-topbar-logo').waitFor();
  await t.shot('settings-branding-en');
  // Forget the browser's copy (the UI store) and reload: the branding comes from the server.
  await page.evaluate(() => localStorage.removeItem('waqtor-ui'));
  await page.reload();
  await page.getByRole('heading', { name: 'Branding' }).waitFor();
  await until('the topbar to show the tenant branding after a reload', async () => (await brand.innerText()).trim() === 'Acme');
  await brand.locator('img.wq-topbar-logo').waitFor();
  if ((await page.title()) !== 'Acme Support') throw new Error('the document title is ' + await page.title());
  const stored = await (await t.api('/api/tenant/branding')).json();
  if (stored.appName !== 'Acme Support' || stored.logoText !== 'Acme' || stored.logo?.mime !== 'image/png') {
    throw new Error('the server holds ' + JSON.stringify(stored));
  }
  // The switch is one control, its input (role switch) named by its label: Space and a click on the switch toggle it.
  const showText = page.getByRole('switch', { name: 'Show the text beside the logo' });
  if (!(await showText.isChecked())) throw new Error('the logo text switch starts off');
  if ((await page.locator('.wq-branding').getByRole('checkbox').count()) !== 0) throw new Error('the switch has a checkbox around it');
  await showText.focus();
  await page.keyboard.press('Space');
  await until('Space to turn the switch off', async () => !(await showText.isChecked()));
  await page.locator('.p-inputswitch', { has: showText }).click();
  await until('a click to turn the switch on', async () => await showText.isChecked());

  // ---- Users & roles ----
  await page.getByRole('link', { name: 'Users & roles' }).click();
  await page.getByRole('heading', { name: 'Users & roles' }).waitFor();
  await page.getByRole('row').filter({ hasText: email }).waitFor();
  await page.getByRole('button', { name: 'New user' }).click();
  const nu = page.getByRole('dialog', { name: 'New user' });
  await nu.getByLabel('Email').fill('agent@example.com');
  await nu.getByLabel('Name').fill('Agent Smith');
  await nu.getByLabel('Password', { exact: true }).fill('1234567890');
  await nu.getByRole('button', { name: 'Create', exact: true }).click();
  await nu.getByText(/must not be a repeated character or pattern/).waitFor();
  await opened(nu);
  await t.shot('settings-users-policy-en');
  await nu.getByLabel('Password', { exact: true }).fill('velvet otter compass 91');
  await nu.getByRole('button', { name: 'Create', exact: true }).click();
  await nu.waitFor({ state: 'detached' });
  const agent = page.getByRole('row').filter({ hasText: 'agent@example.com' });
  await agent.waitFor();
  // The Dropdown's name is on its focusable input (primeOptions in src/app/provider.tsx); the box around it opens it.
  await agent.locator('.p-dropdown', { has: page.getByRole('textbox', { name: 'Role of agent@example.com' }) }).click();
  await page.getByRole('option', { name: 'Admin' }).click();
  const change = page.getByRole('dialog', { name: 'Confirm the change' });
  await change.getByText('None of their API keys changes.').waitFor();
  await opened(change);
  await t.shot('settings-users-impact-en');
  await change.getByRole('button', { name: 'Confirm' }).click();
  await change.waitFor({ state: 'detached' });
  await until('the role change to reach the server', async () => {
    const users = (await (await t.api('/api/users')).json()).data;
    return users.find((u) => u.email === 'agent@example.com')?.role === 'admin';
  });
  await t.shot('settings-users-en');

  // ---- Notifications ----
  // The product notifies a user whose sign-in is paused after repeated failures (the login lockout, kind
  // user.sign_in_paused: the owner is both the account's user and a user manager, and gets one). It is published as
  // notification.created too; the reload here checks the count as the page loads it.
  const bell = page.getByRole('button', { name: /^Notifications/ });
  if ((await bell.getAttribute('aria-label')) !== 'Notifications') throw new Error('unread notifications before the lockout');
  for (let i = 0; i < 5; i++) {
    const r = await fetch(`${t.base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password: 'not the password ' + i }) });
    if (r.status !== 401 && r.status !== 429) throw new Error(`bad login ${i}: ${r.status}`);
  }
  await page.reload();
  await page.getByRole('button', { name: 'Notifications: 1 unread' }).waitFor();
  await page.getByRole('button', { name: 'Profile menu' }).getByText('1', { exact: true }).waitFor();
  await page.getByRole('button', { name: 'Notifications: 1 unread' }).click();
  const panel = page.locator('#wq-notification-panel');
  await panel.getByText('Sign-in paused after failed attempts').waitFor();
  await panel.getByText(/ago|now/).first().waitFor();
  await until('the bell panel to finish opening', () => panel.evaluate((e) => getComputedStyle(e).opacity === '1' &&
    [...e.querySelectorAll('.wq-notification')].every((n) => getComputedStyle(n).opacity === '1')));
  await t.shot('notifications-bell-en');
  await panel.getByRole('link', { name: 'See all notifications' }).click();
  await page.getByRole('heading', { name: 'Notifications' }).waitFor();
  await page.locator('.wq-main').getByText('Sign-in paused after failed attempts').waitFor();
  await t.shot('notifications-center-en');
  await page.getByRole('button', { name: 'Mark all read' }).click();
  await page.getByRole('button', { name: 'Notifications', exact: true }).waitFor();

  // ---- Arabic ----
  await page.getByRole('button', { name: /Language/ }).click();
  await until('dir=rtl', async () => (await page.evaluate(() => document.documentElement.dir)) === 'rtl');
  await page.getByRole('heading', { name: 'الإشعارات' }).waitFor();
  await t.shot('notifications-center-ar');
  for (const [link, heading, shot] of [['الويب هوك', 'الويب هوك', 'settings-webhooks-ar'], ['الهوية', 'الهوية', 'settings-branding-ar'],
    ['المستخدمون والأدوار', 'المستخدمون والأدوار', 'settings-users-ar']]) {
    await page.getByRole('link', { name: link }).click();
    await page.getByRole('heading', { name: heading }).waitFor();
    await page.locator('.p-datatable-loading-overlay, [aria-busy="true"]').first().waitFor({ state: 'detached' }).catch(() => {});
    await t.shot(shot);
  }
  // The bell's badge sits on the inline end of the bell: left of its centre in Arabic.
  const sidebarRight = await page.evaluate(() => document.querySelector('.wq-sidebar').getBoundingClientRect().right >= window.innerWidth - 1);
  if (!sidebarRight) throw new Error('in Arabic the sidebar is not on the right');
}
