// Chat spec: pairs a demo session, sends a text to a demo contact, opens its chat from the history's chat link, sends
// from the composer and sees the bubble's ticks go pending → sent → delivered → read live, the contact's automatic answer and a message the contact
// writes appear live and scrolled into view, a reply from the composer quoting a bubble (the API shows `replyTo`), the
// API's field error under the composer; then paging: more than a page of messages to another contact, "Load older"
// in the history and in the chat until the oldest; then Arabic: right to left, outgoing bubbles on the other side.
// Screenshots chat-{en,ar}, chat-history-paged-en, chat-paged-en.
import { until, LIVE } from './harness.mjs';

const order = ['pending', 'sent', 'delivered', 'read'];

export default async function chat(t) {
  await t.start();
  const page = await t.browser();
  await t.login();
  const { id, contact } = await t.pairDemoSession('Shop');
  const contacts = (await (await t.api('/api/dev/demo/contacts')).json()).contacts;
  const quiet = contacts.find((c) => /never answers/.test(c.behaviour))?.phone;
  if (!quiet) throw new Error('no demo contact that never answers: ' + JSON.stringify(contacts));

  /** Sends a text through the API, waiting out the rate limit (429, Retry-After) rather than weakening it. */
  async function sendText(to, text, options) {
    for (;;) {
      const r = await t.api('/api/messages/send-text', { method: 'POST',
        body: JSON.stringify({ sessionId: id, chatId: to, text, ...(options ? { options } : {}) }) });
      if (r.status === 202) return (await r.json()).messageId;
      if (r.status !== 429) throw new Error(`send-text: ${r.status} ${await r.text()}`);
      const wait = Number(r.headers.get('Retry-After') ?? '1');
      await new Promise((res) => setTimeout(res, Math.max(wait, 0.1) * 1000));
    }
  }

  // A first message, then the chat from the history's chat link.
  await sendText(contact, 'Opening message');
  await page.getByRole('link', { name: 'Messages', exact: true }).click();
  const row = page.getByRole('row').filter({ hasText: 'Opening message' });
  await row.locator('[data-status="delivered"], [data-status="read"]').first().waitFor({ timeout: LIVE });
  await row.getByRole('link', { name: '+' + contact }).first().click();
  await page.waitForURL((u) => u.pathname === `/messages/chat/${id}/${contact}`);
  await page.getByRole('heading', { name: 'Chats', exact: true }).waitFor();
  const view = page.getByTestId('chat-view');
  const log = view.getByRole('log'); // named "Conversation" (English) or "المحادثة" (Arabic), both checked
  await view.getByRole('log', { name: 'Conversation' }).waitFor();
  await log.locator('[data-direction="out"]').filter({ hasText: 'Opening message' }).waitFor();
  // The recent chats list has this chat.
  await page.locator(`[data-chat="${contact}@s.whatsapp.net"]`).waitFor();

  // The page records every status a bubble shows, as it shows it.
  await page.evaluate(() => {
    window.__ticks = {};
    const seen = () => document.querySelectorAll('[data-message-id]').forEach((b) => {
      const s = b.querySelector('[data-status]')?.getAttribute('data-status');
      const l = (window.__ticks[b.getAttribute('data-message-id')] ??= []);
      if (s && l.at(-1) !== s) l.push(s);
    });
    new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
  });
  const box = view.getByLabel('Message', { exact: true });
  await box.fill('Watch the ticks');
  await view.getByRole('button', { name: 'Send' }).click();
  const bubble = log.locator('[data-direction="out"]').filter({ hasText: 'Watch the ticks' });
  await bubble.locator('[data-status="read"]').waitFor({ timeout: LIVE });
  const live = await bubble.getAttribute('data-message-id');
  const ticks = await page.evaluate((m) => window.__ticks[m], live);
  const ranks = ticks.map((s) => order.indexOf(s));
  if (ranks.some((r) => r < 0) || ranks.some((r, i) => i > 0 && r <= ranks[i - 1]) || ticks.at(-1) !== 'read' || ticks.length < 2) {
    throw new Error('the ticks did not move forward live to read: ' + JSON.stringify(ticks));
  }
  console.log('ticks seen live: ' + ticks.join(' → '));

  // The contact answers every message: the answer comes live; so does a message the contact writes, scrolled into view.
  await log.locator('[data-direction="in"]').filter({ hasText: 'Watch the ticks' }).first().waitFor({ timeout: LIVE });
  const write = await t.api(`/api/dev/demo/contacts/${contact}/messages`, { method: 'POST',
    body: JSON.stringify({ to: id, text: 'Written by the demo contact' }) });
  if (write.status !== 202) throw new Error(`demo write: ${write.status} ${await write.text()}`);
  const written = log.locator('[data-direction="in"]').filter({ hasText: 'Written by the demo contact' });
  await written.waitFor({ timeout: LIVE });
  await until('the new message scrolled into view', () => log.evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 2));
  // Each answer comes after the message it answers, as the API orders them too (a reload): the demo contact answers
  // within the second, and WhatsApp's timestamps have whole seconds (message.ReceivedTime).
  await page.reload();
  await log.locator('[data-direction="in"]').filter({ hasText: 'Written by the demo contact' }).waitFor({ timeout: LIVE });
  const conversation = await log.locator('[data-direction]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-direction')}:${e.textContent}`));
  for (const text of ['Opening message', 'Watch the ticks']) {
    const asked = conversation.findIndex((o) => o.startsWith('out:') && o.includes(text));
    const answered = conversation.findIndex((o) => o.startsWith('in:') && o.includes(text));
    if (asked < 0 || answered < 0 || answered < asked) {
      throw new Error(`"${text}" at ${asked}, its answer at ${answered}: want the answer after it; the conversation: ${JSON.stringify(conversation)}`);
    }
  }

  // A blank text: the API's field error under the composer, nothing sent.
  await box.fill('   ');
  await view.getByRole('button', { name: 'Send' }).click();
  await view.locator('#chat-text-error').waitFor();

  // Reply to the contact's message from the composer.
  await written.getByRole('button', { name: 'Reply' }).click();
  await view.getByTestId('chat-reply').filter({ hasText: 'Written by the demo contact' }).waitFor();
  await box.fill('Answer from the chat view');
  await box.press('Enter');
  const answer = log.locator('[data-direction="out"]').filter({ hasText: 'Answer from the chat view' });
  await answer.getByTestId('bubble-quote').filter({ hasText: 'Written by the demo contact' }).waitFor({ timeout: LIVE });
  await answer.locator('[data-status="delivered"], [data-status="read"]').first().waitFor({ timeout: LIVE });
  if (await view.locator('#chat-text-error').count()) throw new Error('the field error stayed after a good send');
  const list = (await (await t.api(`/api/messages?sessionId=${id}&chatId=${contact}&limit=20`)).json()).messages;
  const sent = list.find((m) => m.body === 'Answer from the chat view');
  const quoted = list.find((m) => m.body === 'Written by the demo contact');
  if (!sent || !quoted || sent.replyTo !== quoted.messageId) throw new Error('reply not quoting: ' + JSON.stringify(sent));
  // In English outgoing bubbles are on the right, incoming ones on the left.
  const side = async () => {
    const o = await answer.boundingBox();
    const i = await written.boundingBox();
    return { out: o.x + o.width, in: i.x + i.width, outX: o.x, inX: i.x };
  };
  const en = await side();
  if (!(en.outX > en.inX)) throw new Error('English: outgoing bubbles not on the right: ' + JSON.stringify(en));
  await t.shot('chat-en');

  // Paging: 60 texts to the quiet contact (through the API, paced by its rate limit), then Load older to the oldest.
  for (let i = 1; i <= 60; i++) await sendText(quiet, `Paging ${i}`);
  await page.getByRole('link', { name: 'Messages', exact: true }).click();
  await page.getByRole('row').filter({ hasText: 'Paging 60' }).waitFor();
  if (await page.getByRole('cell', { name: 'Paging 1', exact: true }).count()) throw new Error('the oldest message on the first page');
  for (let n = 0; await page.getByRole('button', { name: 'Load older' }).count(); n++) {
    if (n > 5) throw new Error('Load older never ends');
    await page.getByRole('button', { name: 'Load older' }).click();
    await page.getByRole('button', { name: 'Load older' }).or(page.getByTestId('history-count').filter({ hasText: 'All' })).first().waitFor();
    await t.settled();
  }
  await page.getByRole('cell', { name: 'Paging 1', exact: true }).waitFor();
  await page.getByRole('cell', { name: 'Opening message', exact: true }).waitFor();
  const all = (await page.getByTestId('history-count').innerText()).trim();
  const rows = await page.getByRole('row').count() - 1;
  if (!all.startsWith('All') || !all.includes(String(rows))) throw new Error(`history count "${all}" with ${rows} rows`);
  console.log(`history: ${rows} messages after Load older`);
  await t.shot('chat-history-paged-en');

  await page.goto(`${t.base}/messages/chat/${id}/${quiet}`);
  const quietLog = page.getByTestId('chat-view').getByRole('log');
  await quietLog.locator('[data-direction="out"]').filter({ hasText: 'Paging 60' }).waitFor();
  const older = page.getByRole('button', { name: 'Load older messages' });
  await older.waitFor();
  for (let n = 0; await older.count(); n++) {
    if (n > 5) throw new Error('Load older messages never ends');
    await older.click();
    await older.or(page.getByTestId('chat-start')).first().waitFor();
    await t.settled();
  }
  await page.getByTestId('chat-start').waitFor();
  const bubbles = await quietLog.locator('.wq-bubble-text').allInnerTexts();
  const want = Array.from({ length: 60 }, (_, i) => `Paging ${i + 1}`);
  if (JSON.stringify(bubbles) !== JSON.stringify(want)) throw new Error('chat after Load older: ' + JSON.stringify(bubbles));
  await t.shot('chat-paged-en');

  // Arabic: right to left, outgoing bubbles on the left now.
  await page.goto(`${t.base}/messages/chat/${id}/${contact}`);
  await answer.waitFor();
  await page.getByRole('button', { name: /العربية/ }).click();
  await until('dir=rtl', async () => (await page.getAttribute('html', 'dir')) === 'rtl');
  await page.getByRole('heading', { name: 'المحادثات', exact: true }).waitFor();
  await page.getByRole('log', { name: 'المحادثة' }).waitFor();
  const ar = await side();
  if (!(ar.outX < ar.inX)) throw new Error('Arabic: outgoing bubbles not on the left: ' + JSON.stringify(ar));
  await answer.locator('[data-status]').waitFor();
  await t.shot('chat-ar');
}
