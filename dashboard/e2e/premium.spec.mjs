// Premium spec: WaQtor with WAQTOR_PREMIUM_GATING=on. Real messages are sent to a demo contact through the API; the
// Reports page is locked (BlockUI with a lock) and the API refuses the report; the operator issues an access code
// with the binary's own command (`waqtor access-code issue`, same data directory, while the server runs); the code
// is typed into the masked OTP dialog; the page unlocks without a reload and shows the charts of those sends.
// Interactive is unlocked with a code from the operator endpoint; a poll is sent and bad buttons show the API's
// field errors. Campaigns stays locked. Screenshots in English and Arabic.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bin, root, until, TIMEOUT } from './harness.mjs';

/** How Chart.js laid out each chart on the page, read from the Chart.js instances themselves: the page's own
 *  chart.js module (the chunk PrimeReact's Chart imports on first use; importing the same URL again gives the same
 *  module, so Chart.getChart finds the instances; a different copy would find none and fail). Nothing is exposed
 *  for tests. Per canvas: its label, Chart.js's locale, the legend's and tooltip's direction, whether the x scale
 *  runs right to left as drawn (the pixel of its first value right of its last) and whether the y axis is drawn
 *  right of the chart area, and the category labels. */
async function chartLayouts(page) {
  const chunk = readdirSync(join(root, 'dist/assets')).filter((f) => /^auto-[\w-]+\.js$/.test(f));
  if (chunk.length !== 1) throw new Error('want one chart.js chunk (auto-*.js) in dist/assets, have ' + JSON.stringify(chunk));
  return page.evaluate(async (url) => {
    const { Chart } = await import(url);
    return [...document.querySelectorAll('canvas')].map((canvas) => {
      const c = Chart.getChart(canvas);
      if (!c) return { label: canvas.getAttribute('aria-label'), drawn: false };
      const x = c.scales.x;
      return {
        label: canvas.getAttribute('aria-label'), drawn: true, locale: c.options.locale,
        legend: [c.options.plugins.legend.rtl, c.options.plugins.legend.textDirection],
        tooltip: [c.options.plugins.tooltip.rtl, c.options.plugins.tooltip.textDirection],
        xRightToLeft: x.getPixelForValue(x.min) > x.getPixelForValue(x.max),
        yOnTheRight: c.scales.y.left >= c.chartArea.right,
        labels: c.data.labels,
      };
    });
  }, `/assets/${chunk[0]}`);
}

/** Waits until the page shows `n` charts drawn and every one laid out as `want` says; returns the layouts. */
async function chartsLaidOut(page, n, want) {
  let last;
  await until(`${n} charts laid out ${want.dir}`, async () => {
    last = await chartLayouts(page);
    const rtl = want.dir === 'rtl';
    return last.length === n && last.every((c) => c.drawn && c.locale === want.locale && c.legend[0] === rtl &&
      c.legend[1] === want.dir && c.tooltip[0] === rtl && c.tooltip[1] === want.dir && c.xRightToLeft === rtl &&
      c.yOnTheRight === rtl);
  }).catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(last)}`); });
  return last;
}

function run(args, env) {
  return new Promise((res, rej) => {
    const p = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => (code === 0 ? res(out) : rej(new Error(`${args.join(' ')}: exit ${code}: ${err}`))));
  });
}

export default async function premium(t) {
  const operatorToken = 'e2e-operator-token-0123456789abcdefghij';
  await t.start({ WAQTOR_PREMIUM_GATING: 'on', WAQTOR_OPERATOR_TOKEN: operatorToken });

  // A ready session and two real sends to a demo contact, delivered.
  const created = (await (await t.api("/api/sessions", { method: "POST", body: JSON.stringify({ name: "Shop" }) })).json()).session;
  // The demo phone scans the QR code once the session shows one.
  await until('the demo phone to scan the QR code', async () =>
    (await t.api(`/api/dev/demo/sessions/${created.id}/scan`, { method: 'POST' })).status === 202);
  await until('the session to be ready', async () => (await (await t.api(`/api/sessions/${created.id}`)).json()).session.status === 'ready');
  const contact = (await (await t.api('/api/dev/demo/contacts')).json()).contacts[0].phone;
  const ids = [];
  for (const text of ['Report me', 'Report me too']) {
    const r = await t.api('/api/messages/send-text', { method: 'POST', body: JSON.stringify({ chatId: contact, text }) });
    if (r.status !== 202) throw new Error(`send: ${r.status} ${await r.text()}`);
    ids.push((await r.json()).messageId);
  }
  await until('both messages delivered', async () => {
    for (const id of ids) {
      const { message: m } = await (await t.api(`/api/messages/${id}`)).json();
      if (!['delivered', 'read'].includes(m.status)) return false;
    }
    return true;
  });
  // The server refuses the report while reports are locked.
  const locked = await t.api('/api/reports/messages');
  const lockedBody = await locked.json();
  if (locked.status !== 403 || lockedBody.error.code !== 'feature_locked' || lockedBody.error.details.feature !== 'reports') {
    throw new Error(`locked report: ${locked.status} ${JSON.stringify(lockedBody)}`);
  }

  const page = await t.browser();
  await t.login();
  await page.getByRole('link', { name: 'Reports' }).click();
  await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
  await page.getByRole('heading', { name: 'Premium feature' }).waitFor();
  if (await page.getByRole('heading', { name: 'Messages per day' }).count()) throw new Error('the locked page shows the report');
  await t.shot('premium-reports-locked-en');

  // The operator issues a code with the binary, against the running server's data directory.
  const me = await (await t.api('/api/me')).json();
  const tenantId = me.tenant?.id;
  if (!tenantId) throw new Error('no tenant ID in /api/me: ' + JSON.stringify(me));
  const out = await run(['access-code', 'issue', '--tenant', tenantId, '--feature', 'reports', '--ttl', '1h'],
    { WAQTOR_DATA_DIR: join(t.tmp, 'data'), WAQTOR_LOG_FORMAT: 'text' });
  const code = out.split('\n')[0].trim();
  if (!/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(code)) throw new Error('no code printed: ' + out);

  // A wrong code first: the API's error is shown and the page stays locked.
  await page.getByRole('button', { name: 'Enter access code' }).click();
  const dialog = page.getByRole('dialog', { name: 'Enter access code' });
  await dialog.waitFor();
  const first = dialog.locator('.p-inputotp input').first();
  if ((await first.getAttribute('type')) !== 'password') throw new Error('the code input is not masked');
  await first.click();
  await page.keyboard.type('ZZZZZZZZZZZZ');
  await dialog.getByRole('button', { name: 'Verify' }).click();
  await dialog.getByText('is not a valid access code for this account').waitFor();
  await t.shot('premium-otp-wrong-en');

  // The right code, typed as printed without its dashes: the page unlocks without a reload, with the charts.
  await first.click();
  await page.keyboard.type(code.replaceAll('-', ''));
  await dialog.getByRole('button', { name: 'Verify' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByRole('heading', { name: 'Messages per day' }).waitFor();
  await until('the report of the two sends', async () =>
    /^2 sent, \d+ received$/.test((await page.getByTestId('message-totals').innerText()).trim()), TIMEOUT);
  await until('the funnel', async () => /^2 sent → 2 delivered/.test((await page.getByTestId('funnel').innerText()).trim()));
  await page.locator('canvas').first().waitFor();
  await page.getByRole('heading', { name: 'Webhook deliveries' }).waitFor();
  // Messages per day and the funnel (no webhook delivery: no third chart), left to right, days written in English.
  const en = await chartsLaidOut(page, 2, { dir: 'ltr', locale: 'en' });
  if (!en[0].labels.every((l) => /^[A-Z][a-z]{2} \d{1,2}$/.test(l))) throw new Error('days not in English: ' + JSON.stringify(en[0].labels));
  await t.shot('premium-reports-unlocked-en');
  // The code worked once.
  const again = await t.api('/api/plan/redeem', { method: 'POST', body: JSON.stringify({ code }) });
  if (again.status !== 409) throw new Error(`reused code: ${again.status} ${await again.text()}`);

  // Interactive: locked until a code from the operator endpoint is redeemed (through the API; the page is reloaded,
  // as another device would see it). Then a poll goes out, and bad buttons show the API's field errors.
  await page.getByRole('link', { name: 'Interactive' }).click();
  await page.getByRole('heading', { name: 'Premium feature' }).waitFor();
  if ((await t.api('/api/messages/send-poll', { method: 'POST', body: JSON.stringify({ chatId: contact, question: 'Q?', options: ['a', 'b'] }) })).status !== 403) {
    throw new Error('send-poll is not refused while interactive is locked');
  }
  const byTenantKey = await t.api('/api/operator/access-codes', { method: 'POST', body: JSON.stringify({ tenantId, feature: 'interactive' }) });
  if (byTenantKey.status !== 401) throw new Error(`the operator endpoint took a tenant login: ${byTenantKey.status}`);
  const issued = await fetch(`${t.base}/api/operator/access-codes`, { method: 'POST',
    headers: { Authorization: `Bearer ${operatorToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ tenantId, feature: 'interactive', ttl: '10m' }) });
  if (issued.status !== 201) throw new Error(`operator endpoint: ${issued.status} ${await issued.text()}`);
  const ixCode = (await issued.json()).code;
  const redeemed = await t.api('/api/plan/redeem', { method: 'POST', body: JSON.stringify({ code: ixCode }) });
  if (redeemed.status !== 200) throw new Error(`redeem: ${redeemed.status} ${await redeemed.text()}`);
  await page.reload();
  await page.getByRole('heading', { name: 'Interactive messages' }).waitFor();
  await page.getByText('Buttons and lists are sent as WhatsApp sends them from a linked device').waitFor();
  await page.getByLabel('To (phone number or chat ID)').fill('+' + contact);
  await page.getByLabel('Question').fill('Lunch?');
  const opts = page.getByLabel('Options (2 to 12, Enter or comma after each)');
  await opts.fill('Pizza');
  await opts.press('Enter');
  await opts.fill('Salad');
  await opts.press('Enter');
  await page.getByRole('form', { name: 'Poll' }).getByRole('button', { name: 'Send' }).click();
  await page.getByText('Message queued').first().waitFor();
  await until('the poll stored and sent', async () => {
    const list = await (await t.api('/api/messages?limit=5')).json();
    return list.messages.some((m) => m.type === 'poll' && ['sent', 'delivered', 'read'].includes(m.status));
  });
  await page.getByRole('tab', { name: 'Buttons' }).click();
  const buttonsForm = page.getByRole('form', { name: 'Buttons' });
  await buttonsForm.getByRole('button', { name: 'Send' }).click();
  await buttonsForm.locator('#ix-btext ~ small.p-error').waitFor();
  await buttonsForm.locator('#ix-blabels').locator('xpath=ancestor::div[contains(@class,"wq-field")]').locator('small.p-error').waitFor();
  await t.shot('premium-interactive-en');

  // Campaigns: locked (there is no campaign API yet, only the lock).
  await page.getByRole('link', { name: 'Campaigns' }).click();
  await page.getByRole('heading', { name: 'Premium feature' }).waitFor();
  await t.shot('premium-campaigns-locked-en');

  // Reports again; Arabic, right to left.
  await page.getByRole('button', { name: /Language/ }).click();
  await until('dir=rtl', async () => (await page.evaluate(() => document.documentElement.dir)) === 'rtl');
  await page.getByRole('heading', { name: 'ميزة مميزة' }).waitFor();
  await t.shot('premium-campaigns-locked-ar');
  await page.getByRole('link', { name: 'تفاعلي' }).click();
  await page.getByRole('heading', { name: 'الرسائل التفاعلية' }).waitFor();
  await t.shot('premium-interactive-ar');
  await page.getByRole('link', { name: 'التقارير' }).click();
  await page.getByRole('heading', { name: 'الرسائل في اليوم' }).waitFor();
  await page.locator('canvas').first().waitFor();
  // Mirrored: the legend and tooltips right to left, the first day (the funnel's zero) on the right, the y axis on
  // the right; the days written in Arabic.
  const ar = await chartsLaidOut(page, 2, { dir: 'rtl', locale: 'ar' });
  if (!ar[0].labels.every((l) => /[\u0621-\u064A]/.test(l))) throw new Error('days not in Arabic: ' + JSON.stringify(ar[0].labels));
  // Each chart is an image named in Arabic, and the page with its charts passes axe.
  const names = ar.map((c) => c.label);
  if (names.join('|') !== 'الرسائل في اليوم|مسار التسليم') throw new Error('chart names: ' + JSON.stringify(names));
  const violations = await t.axe();
  if (violations.length) throw new Error('axe on the Arabic Reports page:\n' + violations.join('\n'));
  await t.shot('premium-reports-unlocked-ar');
  // PrimeReact's own strings in Arabic: the range's Calendar names its month in Arabic and starts weeks on Saturday.
  await page.locator('#report-range').click();
  const picker = page.locator('.p-datepicker');
  await picker.waitFor();
  const month = (await picker.locator('.p-datepicker-month').first().innerText()).trim();
  const days = (await picker.locator('thead th').allInnerTexts()).map((d) => d.trim());
  if (!/^(يناير|فبراير|مارس|أبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر)$/.test(month) ||
    days.join(' ') !== 'س ح ن ث ر خ ج') throw new Error(`the Calendar in Arabic: month ${JSON.stringify(month)}, days ${JSON.stringify(days)}`);
  await t.shot('premium-reports-calendar-ar');
  await page.keyboard.press('Escape');
  await picker.waitFor({ state: 'detached' });
}
