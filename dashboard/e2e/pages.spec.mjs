// Every page, in English (light and dark) and Arabic: the page list comes from dist/pages.json (the build writes the
// paths of src/app/pages.tsx, so pages added later are visited too), plus the login and not-found pages. Each page must load
// with no page error, no console error and no failed request (nor any answer >= 400), and pass axe-core with no
// serious or critical violation (a page whose path has parameters is visited with a record made for it: the chat view of a
// paired demo session); then every page again in English and Arabic once the tenant has a paired session and messages
// (cards, rows, charts and tags are checked with data, not only as empty states); a full-page screenshot of each goes to artifacts/page-<name>-<en|dark-en|ar>.png.
// First, the budget: a cold load (browser cache cleared) of the Sessions page while logged in must load at most
// BUDGET bytes of gzipped JavaScript; its first contentful paint and the time until the page is interactive are
// measured with the Performance API and written to artifacts/performance.json (docs/performance.md).
// Standalone sends the Content-Security-Policy CloudFront sends on AWS (shared/dashboard.CSPDirectives; on AWS
// connect-src names API Gateway instead of 'self'): a violation is a console error, so every page works under it.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { artifacts, until } from './harness.mjs';

/** Gzipped JavaScript the first page may load, in bytes (issue 11: ≤ 350 KB). */
export const BUDGET = 350_000;

const slug = (path) => (path === '/' ? 'home' : path.replace(/^\//, '').replace(/[^\w-]+/g, '-'));

export default async function pages(t) {
  await t.start();
  const list = await (await fetch(`${t.base}/pages.json`)).json();
  const paths = (list.paths ?? []).filter((p) => !p.includes(':'));
  if (paths.length === 0) throw new Error('pages.json lists no page: ' + JSON.stringify(list));
  const page = await t.browser();
  const failures = [];
  const csp = (await fetch(`${t.base}/`)).headers.get('content-security-policy') ?? '';
  if (!csp.includes("script-src 'self'") || !csp.includes("connect-src 'self'")) throw new Error('no Content-Security-Policy on /: ' + csp);

  /** PrimeReact's own strings follow the language: the Password toggle's label (PrimeReact's locale, aria). */
  async function passwordToggleSays(name, want) {
    const label = await page.locator('.p-password .p-password-show-icon').first().getAttribute('aria-label');
    if (label !== want) failures.push(`${name}: the Password toggle is labelled ${JSON.stringify(label)}, want ${JSON.stringify(want)}`);
  }

  /** Checks the page now shown: settled, no problem since mark, axe clean; then the screenshot. */
  async function inspect(name, mark) {
    await page.locator('.p-skeleton').first().waitFor({ state: 'detached' });
    await t.settled();
    // axe judges the page at rest: an element still fading in (a notification's 0.4 s arrival) has text of too
    // little contrast for that moment. Finite animations only (a spinner runs forever).
    await page.evaluate(() => Promise.all(document.getAnimations()
      .filter((a) => Number.isFinite(a.effect?.getComputedTiming().endTime)).map((a) => a.finished.catch(() => undefined))));
    for (const v of await t.axe()) failures.push(`${name}: axe ${v}`);
    for (const p of t.problemsSince(mark)) failures.push(`${name}: ${p}`);
    await t.shot(`page-${name}`);
  }

  // The login page, logged out.
  let mark = t.mark();
  await page.goto(`${t.base}/login`);
  await page.getByRole('heading', { name: 'Sign in to WaQtor' }).waitFor();
  await inspect('login-en', mark);
  await passwordToggleSays('login-en', 'Show Password');
  await t.login();

  // The budget, on a cold load of the Sessions page.
  const cdp = await t.context.newCDPSession(page);
  await cdp.send('Network.clearBrowserCache');
  mark = t.mark();
  await page.goto(`${t.base}/`);
  const interactiveMs = await (await page.waitForFunction(() => {
    const heading = [...document.querySelectorAll('main h1')].some((h) => h.textContent?.trim() === 'Sessions');
    const button = [...document.querySelectorAll('main button')].find((b) => b.textContent?.includes('New session'));
    const ready = heading && button && !button.disabled && !document.querySelector('.p-skeleton');
    return ready ? performance.now() : 0;
  }, null, { polling: 'raf' })).jsonValue();
  const fcpMs = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
  const scripts = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name)
    .filter((u) => new URL(u).pathname.endsWith('.js')));
  let raw = 0;
  let gzip = 0;
  const files = [];
  for (const url of new Set(scripts)) {
    const body = Buffer.from(await (await fetch(url)).arrayBuffer());
    const gz = gzipSync(body, { level: 9 }).length;
    raw += body.length;
    gzip += gz;
    files.push({ file: new URL(url).pathname, raw: body.length, gzip: gz });
  }
  const perf = { fcpMs: Math.round(fcpMs), sessionsInteractiveMs: Math.round(interactiveMs), scripts: files.length,
    rawBytes: raw, gzipBytes: gzip, budgetBytes: BUDGET, files };
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(join(artifacts, 'performance.json'), JSON.stringify(perf, null, 2) + '\n');
  console.log(`budget: ${files.length} JS files on a cold load of Sessions, ${(raw / 1000).toFixed(1)} kB raw, ` +
    `${(gzip / 1000).toFixed(1)} kB gzipped (budget ${BUDGET / 1000} kB); first contentful paint ${perf.fcpMs} ms, ` +
    `Sessions interactive at ${perf.sessionsInteractiveMs} ms`);
  if (fcpMs <= 0) failures.push('no first-contentful-paint entry');
  if (gzip > BUDGET) failures.push(`initial JavaScript ${gzip} bytes gzipped, over the budget of ${BUDGET}: ` +
    files.map((f) => `${f.file} ${f.gzip}`).join(', '));
  for (const p of t.problemsSince(mark)) failures.push(`cold load: ${p}`);

  // Something on the pages besides empty states: a session waiting for its QR code to be scanned (its card, QR and
  // status tag on Sessions; a choice in the Messages dropdowns).
  const created = await t.api('/api/sessions', { method: 'POST', body: JSON.stringify({ name: 'Shop' }) });
  if (created.status !== 201) throw new Error(`create session: ${created.status} ${await created.text()}`);

  // English, English in the dark theme, Arabic (light). Each pass starts from the last page (not found, outside the
  // shell): back to the app, then the topbar's switches.
  const passes = [
    { name: 'en', setup: async () => {} },
    { name: 'dark-en', setup: async () => {
      await page.getByRole('button', { name: 'Switch to dark mode' }).click();
      await page.locator('[data-theme="dark"]').first().waitFor({ state: 'attached' });
    } },
    { name: 'ar', setup: async () => {
      await page.getByRole('button', { name: 'Switch to light mode' }).click();
      await page.getByRole('button', { name: /Language/ }).click();
      await page.locator('html[dir="rtl"][lang="ar"]').waitFor({ state: 'attached' });
    } },
  ];
  /** Visits every page (and not found) in the app as it is now and inspects each, named <page>-<suffix>. */
  async function visitAll(suffix) {
    for (const path of [...paths, '/no-such-page']) {
      const name = `${path === '/no-such-page' ? 'not-found' : slug(path)}-${suffix}`;
      mark = t.mark();
      // In the app, as a user goes there: the menu's link when there is one, else a client-side navigation.
      const link = page.locator(`nav a[href="${path}"]`);
      if (await link.count()) {
        await link.first().click();
      } else {
        await page.evaluate((p) => { history.pushState(null, '', p); dispatchEvent(new PopStateEvent('popstate')); }, path);
      }
      await page.waitForURL((u) => u.pathname === path);
      await page.locator('main h1, h1').first().waitFor();
      await inspect(name, mark);
    }
  }
  for (const pass of passes) {
    await page.goto(`${t.base}/`);
    await page.locator('main h1').first().waitFor();
    await pass.setup();
    await visitAll(pass.name);
  }

  // Pages whose path has parameters need a record: the chat view of a paired demo session's conversation with a demo
  // contact (a message each way: bubbles, ticks and the recent chats list under axe), in Arabic (where the passes
  // ended), English and English dark, then back to Arabic light. It comes after the passes so that the other pages
  // are checked as before, without a paired session.
  const demo = await t.pairDemoSession('Desk');
  const sent = await t.api('/api/messages/send-text', { method: 'POST', body: JSON.stringify({ sessionId: demo.id, chatId: demo.contact, text: 'Hello' }) });
  if (sent.status !== 202) throw new Error(`send-text: ${sent.status} ${await sent.text()}`);
  await until('the demo contact to answer', async () =>
    ((await (await t.api(`/api/messages?sessionId=${demo.id}&direction=in`)).json()).messages ?? []).length > 0);
  const chatPath = `/messages/chat/${demo.id}/${demo.contact}`;
  const chatModes = [
    { name: 'ar', setup: async () => {} },
    { name: 'en', setup: async () => {
      await page.getByRole('button', { name: /English/ }).click();
      await page.locator('html[dir="ltr"][lang="en"]').waitFor({ state: 'attached' });
    } },
    { name: 'dark-en', setup: async () => {
      await page.getByRole('button', { name: 'Switch to dark mode' }).click();
      await page.locator('[data-theme="dark"]').first().waitFor({ state: 'attached' });
    } },
  ];
  await page.goto(`${t.base}/`);
  await page.locator('main h1').first().waitFor();
  for (const mode of chatModes) {
    await mode.setup();
    mark = t.mark();
    await page.evaluate((p) => { history.pushState(null, '', p); dispatchEvent(new PopStateEvent('popstate')); }, chatPath);
    await page.waitForURL((u) => u.pathname === chatPath);
    await page.locator('[data-direction="in"]').first().waitFor();
    // The theme's stylesheet loaded and no colour still in transition (axe reads colours as they are).
    await until('the theme applied', () => page.evaluate(() => {
      const ground = getComputedStyle(document.documentElement).getPropertyValue('--surface-ground').trim();
      return ground === (document.documentElement.dataset.theme === 'dark' ? '#111827' : '#f9fafb') &&
        !document.getAnimations().some((a) => a instanceof CSSTransition);
    }));
    await inspect(`messages-chat-conversation-${mode.name}`, mark);
  }
  await page.getByRole('button', { name: 'Switch to light mode' }).click();
  await page.locator('[data-theme="light"]').first().waitFor({ state: 'attached' });

  // Every page again with what a working tenant has: a paired session (its card's actions, counters), messages both
  // ways (history rows, tags, reports' charts), its notifications; in English, then Arabic (light).
  await visitAll('data-en');
  await page.goto(`${t.base}/`);
  await page.locator('main h1').first().waitFor();
  await page.getByRole('button', { name: /Language/ }).click();
  await page.locator('html[dir="rtl"][lang="ar"]').waitFor({ state: 'attached' });
  await visitAll('data-ar');

  // The login page in Arabic: log out from the profile menu.
  // A reload keeps Arabic everywhere, the shell included (it once kept the English menu and labels).
  await page.goto(`${t.base}/`);
  await page.getByRole('heading', { name: 'الجلسات' }).waitFor();
  const menu = (await page.locator('nav a[href="/"]').innerText()).trim();
  if (menu !== 'الجلسات') failures.push(`after a reload in Arabic the menu says ${JSON.stringify(menu)}, want الجلسات`);
  // After the reload PrimeReact's own strings are Arabic too: a filter that matches nothing shows PrimeReact's empty
  // message (the Events page's event types).
  mark = t.mark();
  await page.locator('nav a[href="/events"]').first().click();
  await page.getByRole('heading', { name: 'الأحداث', level: 1 }).waitFor();
  await page.locator('.p-multiselect').first().click();
  await page.locator('.p-multiselect-panel .p-multiselect-filter').fill('zzz-no-such-event');
  // (The filter is debounced: until it applies, PrimeReact shows its "no options" message, in Arabic too.)
  const empty = page.locator('.p-multiselect-panel .p-multiselect-empty-message');
  await empty.filter({ hasText: /^لا توجد نتائج$/ }).waitFor().catch(async () => failures.push(
    `events-ar: the empty filter says ${JSON.stringify(await empty.allInnerTexts())}, want لا توجد نتائج`));
  await page.keyboard.press('Escape');
  await page.locator('.p-multiselect-panel').waitFor({ state: 'detached' });
  for (const p of t.problemsSince(mark)) failures.push(`events-ar filter: ${p}`);
  mark = t.mark();
  await page.getByRole('button', { name: 'قائمة الملف الشخصي' }).click();
  await page.getByRole('menuitem', { name: 'تسجيل الخروج' }).click();
  await page.getByRole('heading', { name: 'تسجيل الدخول إلى WaQtor' }).waitFor();
  await inspect('login-ar', mark);
  await passwordToggleSays('login-ar', 'إظهار كلمة المرور');

  if (failures.length) throw new Error(`${failures.length} problems:\n` + failures.join('\n'));
}
