// Profile spec: uploads an avatar and sees it in the topbar; a wrong current password is refused next to its field;
// the Events monitor shows a demo contact's message live, pause holds new events (the list stops growing, the held
// count shows) and resume shows them, one event's JSON opens; changes the password, then signs in with the new one.
// Changes the sign-in email too, and signs in with the new email and password (the old email or password refused).
// Screenshots in English and Arabic.
import { email, password, until, LIVE } from './harness.mjs';

// A 1×1 PNG.
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const newPassword = 'amber thistle compass 58';
const newEmail = 'owner.two@example.com';

async function demoSession(t) {
  const created = await t.api('/api/sessions', { method: 'POST', body: JSON.stringify({ name: 'Shop' }) });
  if (created.status !== 201) throw new Error(`create session: ${created.status} ${await created.text()}`);
  const id = (await created.json()).session.id;
  await until('the session to wait for a scan', async () =>
    (await (await t.api(`/api/sessions/${id}/status`)).json()).status === 'qr');
  const scan = await t.api(`/api/dev/demo/sessions/${id}/scan`, { method: 'POST' });
  if (scan.status !== 202) throw new Error(`scan: ${scan.status} ${await scan.text()}`);
  await until('the session to be ready', async () =>
    (await (await t.api(`/api/sessions/${id}/status`)).json()).status === 'ready');
  const contacts = await (await t.api('/api/dev/demo/contacts')).json();
  const contact = contacts.contacts?.[0]?.phone;
  if (!contact) throw new Error('no demo contact');
  return { id, contact };
}

export default async function profile(t) {
  await t.start();
  const page = await t.browser();
  await t.login();
  const { id, contact } = await demoSession(t);
  const write = async (text) => {
    const r = await t.api(`/api/dev/demo/contacts/${contact}/messages`, { method: 'POST', body: JSON.stringify({ to: id, text }) });
    if (r.status !== 202) throw new Error(`demo write: ${r.status} ${await r.text()}`);
  };

  // Profile, from the topbar's menu. The avatar is the initial until a photo is uploaded.
  const avatar = page.locator('.wq-avatar-button .wq-user-avatar');
  await avatar.and(page.locator('[data-avatar="initial"]')).waitFor();
  await page.getByRole('button', { name: 'Profile menu' }).click();
  await page.getByRole('menuitem', { name: 'Profile' }).click();
  await page.getByRole('heading', { name: 'Profile', exact: true }).waitFor();
  await page.locator('input[type="file"]').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png });
  await avatar.and(page.locator('[data-avatar="image"]')).locator('img[src^="blob:"]').waitFor();
  // The API stored it: the same bytes come back.
  const me = await (await t.api('/api/me')).json();
  const stored = Buffer.from(await (await t.api(`/api/users/${me.user.id}/avatar`)).arrayBuffer());
  if (!stored.equals(png)) throw new Error('the stored avatar differs from the upload');
  // A file that is not an image: the API's error is shown under the photo, the avatar stays.
  await page.locator('input[type="file"]').setInputFiles({ name: 'note.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') });
  await page.getByRole('alert').filter({ hasText: 'must be a JPEG, PNG, WebP or GIF image' }).waitFor();
  await avatar.and(page.locator('[data-avatar="image"]')).waitFor();
  // Bad input: a wrong current password is refused next to its field.
  await page.locator('#profile-current').fill('not my password at all');
  await page.locator('#profile-new').fill(newPassword);
  await page.locator('#profile-confirm').fill(newPassword);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('is not your current password').waitFor();
  await page.getByRole('row').filter({ hasText: 'user.logged-in' }).first().waitFor();
  await t.shot('profile-en');

  // Events: a demo contact's message shows live; pause holds new ones; resume shows them.
  await page.getByRole('link', { name: 'Events' }).click();
  await page.getByRole('heading', { name: 'Events' }).waitFor();
  await page.locator('[data-conn="open"]').waitFor();
  const rows = page.locator('.wq-event-row');
  await write('Hello from the events test');
  await rows.filter({ hasText: 'message.received' }).first().waitFor({ timeout: LIVE });
  await page.getByRole('button', { name: 'Pause' }).click();
  const before = await rows.count();
  await write('Held while paused');
  await page.locator('[data-held]').and(page.locator(':not([data-held="0"])')).waitFor({ timeout: LIVE });
  if ((await rows.count()) !== before) throw new Error('the list grew while paused');
  await t.shot('events-paused-en');
  await page.getByRole('button', { name: /^Resume/ }).click();
  await until('the held events to show', async () => (await rows.count()) > before, LIVE);
  await rows.filter({ hasText: 'message.received' }).first().getByRole('button', { name: "Inspect the event's JSON" }).click();
  const json = page.getByTestId('event-json');
  await json.waitFor();
  const frame = JSON.parse(await json.innerText());
  if (frame.event !== 'message.received' || frame.sessionId !== id) throw new Error('inspected JSON: ' + JSON.stringify(frame));
  await page.keyboard.press('Escape');
  await json.waitFor({ state: 'detached' });
  await t.shot('events-en');

  // About shows the server's version from /healthz; the UI kit shows the components.
  const healthz = await (await fetch(`${t.base}/healthz`)).json();
  await page.getByRole('link', { name: 'About' }).click();
  await page.getByTestId('server-version').filter({ hasText: healthz.version }).waitFor();
  await page.getByRole('button', { name: 'What happens when I change my password?' }).click();
  await page.getByText('Every other device signed in as you is signed out').waitFor();
  await t.shot('about-en');
  await page.getByRole('link', { name: 'UI kit' }).click();
  await page.getByRole('heading', { name: 'UI kit' }).waitFor();
  await t.shot('uikit-en');
  // The Charts tab: its chunk (and chart.js) is fetched only when the tab opens, then draws the three charts.
  const loaded = (re) => page.evaluate((src) => performance.getEntriesByType('resource').some((e) => new RegExp(src).test(e.name)), re.source);
  if (await loaded(/\/assets\/ChartsTab-/)) throw new Error('the Charts tab was fetched before it was opened');
  await page.getByRole('tab', { name: 'Charts' }).click();
  await until('the three charts to be drawn', async () => (await page.locator('.p-chart canvas').count()) === 3);
  if (!(await loaded(/\/assets\/ChartsTab-/))) throw new Error('the Charts tab was not loaded as its own chunk');
  await t.shot('uikit-charts-en');
  await page.getByRole('link', { name: 'Events' }).click();

  // Arabic: the same pages right to left.
  await page.getByRole('button', { name: /العربية/ }).click();
  await until('dir=rtl', async () => (await page.getAttribute('html', 'dir')) === 'rtl');
  await page.getByRole('heading', { name: 'الأحداث' }).waitFor();
  await t.shot('events-ar');
  await page.getByRole('link', { name: 'الملف الشخصي' }).click();
  await page.getByRole('heading', { name: 'الملف الشخصي', exact: true }).waitFor();
  await t.shot('profile-ar');
  await page.getByRole('link', { name: 'حول' }).click();
  await page.getByRole('heading', { name: 'حول WaQtor' }).waitFor();
  await t.shot('about-ar');
  await page.getByRole('link', { name: 'مكونات الواجهة' }).click();
  await t.shot('uikit-ar');
  await page.getByRole('link', { name: 'الملف الشخصي' }).click();
  await page.getByRole('button', { name: /English/ }).click();
  await page.getByRole('heading', { name: 'Profile', exact: true }).waitFor();

  // Change the sign-in email (the current password confirms it).
  await page.locator('#profile-email').fill(newEmail);
  await page.locator('#profile-email-password').fill(password);
  await page.getByRole('button', { name: 'Change email' }).click();
  await page.getByText('Email changed').waitFor();

  // Change the password; this device stays signed in, the old password no longer works, the new one does.
  await page.locator('#profile-current').fill(password);
  await page.locator('#profile-new').fill(newPassword);
  await page.locator('#profile-confirm').fill(newPassword);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Password changed').waitFor();
  const old = await fetch(`${t.base}/api/me`, { headers: { Authorization: `Bearer ${t.token}` } });
  if (old.status !== 401) throw new Error(`an earlier token still works after the change: ${old.status}`);
  await page.getByRole('link', { name: 'Sessions' }).click();
  await page.getByRole('heading', { name: 'Sessions' }).waitFor();
  await page.getByRole('button', { name: 'Profile menu' }).click();
  await page.getByRole('menuitem', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Sign in to WaQtor' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(newPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('invalid email or password').waitFor();
  const oldPassword = await fetch(`${t.base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: newEmail, password }) });
  if (oldPassword.status !== 401) throw new Error(`the old password still signs in: ${oldPassword.status}`);
  await page.getByLabel('Email').fill(newEmail);
  await page.getByLabel('Password', { exact: true }).fill(newPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Sessions' }).waitFor();
  // The uploaded avatar is in the topbar after signing in again.
  await avatar.and(page.locator('[data-avatar="image"]')).locator('img[src^="blob:"]').waitFor();
}
