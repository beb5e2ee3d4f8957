// Notifications spec: a ban rings the bell live. Pairs a demo session, opens the dashboard, sends a text through the
// API and sees the session card's counters follow it live; then has the demo WhatsApp server ban the session
// (POST /api/dev/demo/sessions/{id}/faults) and, without a reload, sees the card turn banned, the bell's badge and
// the avatar's go to 1, and the ban's notification in the bell's dropdown, each within 10 s (LIVE: before the 30 s
// fallback poll, and nothing in the page asks for them, so they came over the live feed's notifications topic).
// Marks it read (the badge goes). Screenshots in English and Arabic.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, until, LIVE } from './harness.mjs';

const ar = JSON.parse(readFileSync(join(root, 'src/locales/ar/notifications.json'), 'utf8'));
const banned = 'WhatsApp session banned';

export default async function notifications(t) {
  await t.start();
  const page = await t.browser();
  const { id, contact } = await t.pairDemoSession('Shop');

  await t.login();
  await page.locator('.wq-live[data-state="open"]').waitFor();
  const card = page.getByRole('article', { name: 'Shop' });
  const counter = (name) => card.locator(`[data-counter="${name}"]`);
  await counter('sent').waitFor();
  if ((await counter('sent').innerText()).trim() !== '0') throw new Error('sent counter before any send: ' + (await counter('sent').innerText()));

  // A text sent through the API: the card's counters follow its status frames, nothing in the page asks for them.
  const sent = await t.api('/api/messages/send-text', { method: 'POST', body: JSON.stringify({ sessionId: id, chatId: contact, text: 'Counted' }) });
  if (sent.status !== 202 && sent.status !== 200) throw new Error(`send: ${sent.status} ${await sent.text()}`);
  await until('the card to count the text sent and delivered', async () =>
    (await counter('sent').innerText()).trim() === '1' && (await counter('delivered').innerText()).trim() === '1', LIVE);
  const stats = await (await t.api(`/api/sessions/${id}/stats`)).json();
  if (stats.outbound?.sent !== 1 || stats.outbound?.total !== 1) throw new Error('stats API: ' + JSON.stringify(stats));
  await t.shot('sessions-stats-en');
  // The counters' markup passes axe (the page's other findings belong to the pages spec).
  const mine = (await t.axe()).filter((v) => /session-stats|data-counter|dlitem|\bdl\b|\bdt\b|\bdd\b|definition/.test(v));
  if (mine.length) throw new Error('axe on the session counters:\n' + mine.join('\n'));

  // The ban: a notification for every user, published on the feed's notifications topic.
  const bell = page.getByTestId('bell').getByRole('button');
  if ((await bell.getAttribute('aria-label')) !== 'Notifications') throw new Error('unread notifications before the ban');
  const fault = await t.api(`/api/dev/demo/sessions/${id}/faults`, { method: 'POST', body: JSON.stringify({ kind: 'ban' }) });
  if (fault.status !== 202) throw new Error(`fault: ${fault.status} ${await fault.text()}`);
  const started = Date.now();
  await page.getByRole('button', { name: 'Notifications: 1 unread' }).waitFor({ timeout: LIVE });
  const took = Date.now() - started;
  await page.getByTestId('bell').locator('.wq-bell-badge').getByText('1', { exact: true }).waitFor({ timeout: LIVE });
  await page.getByRole('button', { name: 'Profile menu' }).getByText('1', { exact: true }).waitFor({ timeout: LIVE });
  await card.locator('[data-status="banned"]').waitFor({ timeout: LIVE });
  console.log(`notifications: the bell showed the ban ${took} ms after the fault`);

  await page.getByRole('button', { name: 'Notifications: 1 unread' }).click();
  const panel = page.locator('#wq-notification-panel');
  await panel.getByText(banned).waitFor({ timeout: LIVE });
  await panel.getByText(/ago|now/).first().waitFor();
  await until('the bell panel to finish opening', () => panel.evaluate((e) => getComputedStyle(e).opacity === '1' &&
    [...e.querySelectorAll('.wq-notification')].every((n) => getComputedStyle(n).opacity === '1')));
  await t.shot('notifications-ban-en');
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'detached' });

  // Arabic: the same dropdown, then mark the notification read there; the badge goes.
  await page.getByRole('button', { name: /Language/ }).click();
  await until('dir=rtl', async () => (await page.evaluate(() => document.documentElement.dir)) === 'rtl');
  const bellAr = page.getByRole('button', { name: ar.bellUnread.replace('{{count}}', '1') });
  await bellAr.click();
  await panel.getByText(banned).waitFor();
  await until('the bell panel to finish opening', () => panel.evaluate((e) => getComputedStyle(e).opacity === '1' &&
    [...e.querySelectorAll('.wq-notification')].every((n) => getComputedStyle(n).opacity === '1')));
  await t.shot('notifications-ban-ar');
  await panel.getByRole('button', { name: ar.markRead.replace('{{title}}', banned) }).click();
  await page.getByRole('button', { name: ar.bell, exact: true }).waitFor({ timeout: LIVE });
  await until('the notification to be read on the server', async () =>
    (await (await t.api('/api/notifications/count')).json()).unread === 0);
}
