// The shell (issue 11, item 3). Desktop: each of the topbar's quick actions lands on its page with the action started
// (the create dialog open, the compose form's first field focused) and its URL parameter gone, so a reload does not
// start it again; a member sees exactly the actions their scopes (GET /api/me) allow; ScrollTop is absent at the top,
// appears once the window has scrolled past 400 px and takes it back to the top. Phone width (390×844): every page of
// dist/pages.json in English and Arabic has no horizontal overflow, passes axe, logs no console error and fails no
// request (screenshots artifacts/phone-<page>-<en|ar>.png); the menu is closed, the toggle opens it over the content
// (the content does not move), passes axe while open, and picking a page, Escape and a click outside close it.
import { until } from './harness.mjs';

const slug = (path) => (path === '/' ? 'home' : path.startsWith('/messages/chat/') && path.split('/').length > 4 ? 'chat-conversation'
  : path.replace(/^\//, '').replace(/[^\w-]+/g, '-'));

export default async function shell(t) {
  await t.start();
  const paths = ((await (await fetch(`${t.base}/pages.json`)).json()).paths ?? []).filter((p) => !p.includes(':'));
  if (paths.length === 0) throw new Error('pages.json lists no page');
  const page = await t.browser();
  await t.login();
  const failures = [];

  // --- Quick actions, as the owner ("*": all three).
  const quick = async (p, name) => {
    await p.getByRole('button', { name: 'Quick actions' }).click();
    await p.getByRole('menuitem', { name }).click();
  };
  const paramGone = (p, path) => {
    const u = new URL(p.url());
    return u.pathname === path && u.search === '';
  };
  const dialog = (p, name) => p.getByRole('dialog').filter({ has: p.getByText(name, { exact: true }) });
  /** Escape once the dialog has finished opening (PrimeReact's transition), then it is gone. */
  const closeDialog = async (name) => {
    await page.locator('.p-dialog.p-dialog-enter-done').waitFor().catch(async (e) => {
      throw new Error(`${name}: the dialog did not finish opening at ${page.url()}: ` + await page.evaluate(() =>
        [...document.querySelectorAll('.p-dialog, .p-dialog-mask')].map((d) => d.className).join(' | ')) + '\n' + e.message);
    });
    await page.keyboard.press('Escape');
    await dialog(page, name).waitFor({ state: 'detached' });
  };

  const menuButton = page.getByRole('button', { name: 'Quick actions' });
  if ((await menuButton.getAttribute('aria-haspopup')) !== 'menu') failures.push('the quick actions button has no aria-haspopup="menu"');

  await page.goto(`${t.base}/about`);
  await page.locator('main h1').first().waitFor();
  await quick(page, 'New session');
  await dialog(page, 'New session').waitFor();
  await until('?new=1 removed from the Sessions URL', () => paramGone(page, '/'));
  await closeDialog('New session');
  await page.reload();
  await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
  await t.settled();
  if (await page.getByRole('dialog').count()) failures.push('the create session dialog opened again after a reload');

  await quick(page, 'New message');
  await until('the compose form\'s first field to have the focus', () => page.evaluate(() => document.activeElement?.id === 'send-session'));
  await until('?compose=1 removed from the Messages URL', () => paramGone(page, '/messages'));

  await quick(page, 'New webhook');
  await dialog(page, 'New webhook').waitFor();
  await until('?new=1 removed from the Webhooks URL', () => paramGone(page, '/settings/webhooks'));
  await closeDialog('New webhook');
  // Back goes to the page before (Messages), not to the URL with the parameter.
  await page.goBack();
  await until('Back to land on Messages', () => paramGone(page, '/messages'));
  if (await page.getByRole('dialog').count()) failures.push('a dialog is open after Back');

  // --- A member, in a tab of their own (the login is per tab): the actions their scopes allow, no more.
  const memberEmail = 'member@example.com';
  const memberPassword = 'tulip harbour violet 93 lantern';
  const created = await t.api('/api/users', { method: 'POST', body: JSON.stringify({ email: memberEmail, name: 'Mona', role: 'member', password: memberPassword }) });
  if (created.status !== 201) throw new Error(`create member: ${created.status} ${await created.text()}`);
  const login = await fetch(`${t.base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: memberEmail, password: memberPassword }) });
  const memberToken = (await login.json()).token;
  const scopes = (await (await fetch(`${t.base}/api/me`, { headers: { Authorization: `Bearer ${memberToken}` } })).json()).auth.scopes;
  const need = { 'New message': 'messages:send', 'New session': 'sessions:write', 'New webhook': 'webhooks:write' };
  const want = Object.entries(need).filter(([, s]) => scopes.includes('*') || scopes.includes(s)).map(([n]) => n);
  const mp = await t.context.newPage();
  mp.on('pageerror', (e) => t.pageErrors.push(e.message));
  await mp.goto(`${t.base}/login`);
  await mp.getByLabel('Email').fill(memberEmail);
  await mp.getByLabel('Password', { exact: true }).fill(memberPassword);
  await mp.getByRole('button', { name: 'Sign in' }).click();
  await mp.getByRole('heading', { name: 'Sessions' }).waitFor();
  const memberButton = mp.getByRole('button', { name: 'Quick actions' });
  if (want.length === 0) {
    await t.settled();
    if (await memberButton.count()) failures.push('the member sees the quick actions button though their scopes allow none');
  } else {
    await memberButton.click();
    await mp.getByRole('menuitem').first().waitFor();
    const shown = (await mp.getByRole('menuitem').allInnerTexts()).map((s) => s.trim());
    if (JSON.stringify(shown) !== JSON.stringify(want)) failures.push(`the member's quick actions: ${JSON.stringify(shown)}, want ${JSON.stringify(want)} (scopes ${scopes.join(' ')})`);
    console.log(`member scopes ${scopes.join(' ')} → quick actions ${shown.join(', ')}`);
  }
  await mp.close();

  // --- ScrollTop: the window scrolls (main is not a scroll container). The About page with a short window is long enough.
  await page.setViewportSize({ width: 1280, height: 500 });
  await page.goto(`${t.base}/about`);
  await page.locator('main h1').first().waitFor();
  await t.settled();
  const scrollTop = page.getByRole('button', { name: 'Back to top' });
  const room = await page.evaluate(() => document.scrollingElement.scrollHeight - innerHeight);
  if (room < 600) throw new Error(`the About page scrolls only ${room} px at 1280×500: not long enough to check ScrollTop`);
  if (await scrollTop.count()) failures.push('ScrollTop is shown at the top of the page');
  await page.evaluate(() => window.scrollTo(0, 300));
  await page.waitForFunction(() => window.scrollY === 300);
  await t.settled();
  if (await scrollTop.count()) failures.push('ScrollTop is shown at 300 px (threshold 400)');
  await page.evaluate(() => window.scrollTo(0, 600));
  await scrollTop.waitFor();
  const box = await scrollTop.boundingBox();
  if (!box || box.x < 640) failures.push(`ScrollTop is not at the inline end (right) in English: ${JSON.stringify(box)}`);
  await t.shot('shell-scrolltop-en');
  await scrollTop.click();
  await until('the window to scroll back to the top', () => page.evaluate(() => window.scrollY === 0));
  await scrollTop.waitFor({ state: 'detached' });

  // --- Phone width.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${t.base}/`);
  await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
  const overlay = page.locator('.wq-menu-overlay');
  const toggle = page.getByRole('button', { name: /Toggle menu|إظهار القائمة/ });

  /** The menu: closed; the toggle opens it over the content; Escape closes it; picking `to` closes it and goes there. */
  async function checkMenu(lang, to) {
    if (await overlay.count()) failures.push(`${lang}: the menu is open by default at phone width`);
    if (await page.locator('.wq-layout > .wq-sidebar').count()) failures.push(`${lang}: the docked sidebar is shown at phone width`);
    const mainBefore = await page.locator('main').boundingBox();
    await toggle.click();
    await overlay.waitFor();
    await until(`${lang}: the menu to slide in`, () => page.evaluate(() => !document.getAnimations().some((a) => a.playState === 'running' && Number.isFinite(a.effect?.getComputedTiming().endTime))));
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') failures.push(`${lang}: the open menu's toggle is not aria-expanded`);
    const o = await overlay.boundingBox();
    const mainAfter = await page.locator('main').boundingBox();
    if (JSON.stringify(mainBefore) !== JSON.stringify(mainAfter)) failures.push(`${lang}: the content moved when the menu opened: ${JSON.stringify(mainBefore)} → ${JSON.stringify(mainAfter)}`);
    // Over the content: it covers part of main, from the inline start (left in English, right in Arabic).
    const overlaps = o && mainAfter && o.x < mainAfter.x + mainAfter.width && o.x + o.width > mainAfter.x;
    if (!overlaps) failures.push(`${lang}: the menu ${JSON.stringify(o)} is not over the content ${JSON.stringify(mainAfter)}`);
    const atStart = lang === 'ar' ? Math.abs(o.x + o.width - 390) < 2 : Math.abs(o.x) < 2;
    if (!atStart) failures.push(`${lang}: the menu is not at the inline start: ${JSON.stringify(o)}`);
    for (const v of await t.axe()) failures.push(`phone-menu-${lang}: axe ${v}`);
    await t.shot(`phone-menu-${lang}`);
    await page.keyboard.press('Escape');
    await overlay.waitFor({ state: 'detached' });
    // A click outside it, on the content's side (right in English, left in Arabic), closes it.
    await toggle.click();
    await overlay.waitFor();
    await page.mouse.click(lang === 'ar' ? 20 : 370, 600);
    await overlay.waitFor({ state: 'detached' });
    await toggle.click();
    await overlay.waitFor();
    await overlay.locator(`nav a[href="${to}"]`).click();
    await page.waitForURL((u) => u.pathname === to);
    await overlay.waitFor({ state: 'detached' });
  }

  /** Visits each path as it is now (the page's rows, cards, charts), named phone-<page>-<suffix>. */
  async function visitAll(list, suffix) {
    for (const path of list) {
      const name = `phone-${slug(path)}-${suffix}`;
      const mark = t.mark();
      await page.evaluate((p) => { history.pushState(null, '', p); dispatchEvent(new PopStateEvent('popstate')); }, path);
      await page.waitForURL((u) => u.pathname === path);
      await page.locator('main h1').first().waitFor();
      await page.locator('.p-skeleton').first().waitFor({ state: 'detached' });
      await t.settled();
      await page.evaluate(() => Promise.all(document.getAnimations()
        .filter((a) => Number.isFinite(a.effect?.getComputedTiming().endTime)).map((a) => a.finished.catch(() => undefined))));
      const o = await page.evaluate(() => {
        const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > innerWidth + 1 ||
          e.getBoundingClientRect().left < -1).filter((e) => !e.closest('.p-hidden-accessible, .wq-sr-only'))
          .slice(0, 4).map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} ${Math.round(e.getBoundingClientRect().left)}..${Math.round(e.getBoundingClientRect().right)}`);
        return { scrollWidth: document.scrollingElement.scrollWidth, innerWidth, wide };
      });
      if (o.scrollWidth > o.innerWidth) failures.push(`${name}: the page is ${o.scrollWidth} px wide at ${o.innerWidth}: ${o.wide.join(', ')}`);
      // The topbar is fixed, so what sticks out of it does not widen the page: each of its controls must be on screen.
      const off = await page.evaluate(() => [...document.querySelectorAll('.wq-topbar button, .wq-topbar [role="status"], .wq-topbar-brand')]
        .filter((e) => { const r = e.getBoundingClientRect(); return r.left < 0 || r.right > innerWidth; })
        .map((e) => e.getAttribute('aria-label') || e.textContent?.trim() || e.className));
      if (off.length) failures.push(`${name}: topbar controls off screen: ${off.join(', ')}`);
      for (const v of await t.axe()) failures.push(`${name}: axe ${v}`);
      for (const p of t.problemsSince(mark)) failures.push(`${name}: ${p}`);
      await t.shot(name);
    }
  }
  for (const lang of ['en', 'ar']) {
    if (lang === 'ar') {
      await page.getByRole('button', { name: /Language/ }).click();
      await page.locator('html[dir="rtl"][lang="ar"]').waitFor({ state: 'attached' });
    }
    await checkMenu(lang, '/messages');
    await visitAll(paths, lang);
  }
  // Again with what a working tenant has (a paired session's card, message rows both ways, the chat view), in Arabic
  // then English.
  const demo = await t.pairDemoSession('Desk');
  const sent = await t.api('/api/messages/send-text', { method: 'POST', body: JSON.stringify({ sessionId: demo.id, chatId: demo.contact, text: 'Hello' }) });
  if (sent.status !== 202) throw new Error(`send-text: ${sent.status} ${await sent.text()}`);
  await until('the demo contact to answer', async () =>
    ((await (await t.api(`/api/messages?sessionId=${demo.id}&direction=in`)).json()).messages ?? []).length > 0);
  const withChat = [...paths, `/messages/chat/${demo.id}/${demo.contact}`];
  await visitAll(withChat, 'data-ar');
  await page.getByRole('button', { name: /اللغة/ }).click();
  await page.locator('html[dir="ltr"][lang="en"]').waitFor({ state: 'attached' });
  await visitAll(withChat, 'data-en');
  if (failures.length) throw new Error(`${failures.length} problem(s):\n` + failures.join('\n'));
}
