// Messages spec: sends an image and a location to a demo contact from the compose form, sees both delivered (or read)
// live with the image's preview, opens the location's status timeline, and replies to a message quoting it.
// Screenshots in English and Arabic.
import { until, LIVE } from './harness.mjs';

const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

export default async function messages(t) {
  await t.start();
  const page = await t.browser();
  await t.login();
  const { id, contact } = await t.pairDemoSession('Shop');

  // Sessions: the ready one shows its linked phone's client info; a new one pairs by phone number, its code shown.
  const phone = (await (await t.api(`/api/sessions/${id}/status`)).json()).clientInfo?.phoneNumber;
  if (!phone) throw new Error('no clientInfo.phoneNumber on the ready session');
  await t.api('/api/sessions', { method: 'POST', body: JSON.stringify({ name: 'Desk' }) });
  await page.reload();
  await page.getByRole('article', { name: 'Shop' }).getByLabel('The linked phone').waitFor();
  const desk = page.getByRole('article', { name: 'Desk' });
  await desk.getByRole('button', { name: 'Pair with a phone number instead' }).click();
  await page.getByLabel("The phone's WhatsApp number").fill('+' + phone);
  await page.getByRole('button', { name: 'Get the code' }).click();
  const code = page.getByTestId('pairing-code');
  await code.waitFor();
  if (!/^[A-Z0-9]{4}-[A-Z0-9]{4}$/.test((await code.innerText()).trim())) throw new Error('pairing code: ' + (await code.innerText()));
  await t.shot('sessions-pairing-en');
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('dialog').waitFor({ state: 'detached' });

  await page.getByRole('link', { name: 'Messages' }).click();
  await page.getByRole('heading', { name: 'Messages' }).waitFor();
  const done = '[data-status="delivered"], [data-status="read"]';

  // An image with a caption: uploaded (POST /api/media), sent, delivered live, previewed from the API.
  await page.getByRole('button', { name: 'Media' }).click();
  await page.getByLabel('To (phone number or chat ID)').fill('+' + contact);
  await page.locator('input[type="file"]').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: png });
  await page.getByTestId('chosen-file').waitFor();
  await page.getByLabel('Caption').fill('Photo from the messages test');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const imageRow = page.getByRole('row').filter({ hasText: 'Photo from the messages test' });
  await imageRow.locator(done).first().waitFor({ timeout: LIVE });
  await imageRow.getByTestId('media-image').locator('img[src^="blob:"]').waitFor();

  // A location.
  await page.getByRole('button', { name: 'Location' }).click();
  await page.getByLabel('Latitude').pressSequentially('24.7136');
  await page.getByLabel('Longitude').pressSequentially('46.6753');
  await page.getByLabel('Place name').fill('Riyadh office');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const locationRow = page.getByRole('row').filter({ hasText: 'Riyadh office' });
  await locationRow.locator(done).first().waitFor({ timeout: LIVE });

  // Its status timeline: pending, sent, then delivered (or read).
  await locationRow.getByRole('button', { name: 'Status timeline' }).click();
  const timeline = page.getByTestId('status-timeline');
  await timeline.locator('[data-step="sent"]').waitFor();
  await timeline.locator('[data-step="delivered"], [data-step="read"]').first().waitFor({ timeout: LIVE });
  await t.shot('messages-timeline-en');
  await page.keyboard.press('Escape');
  await timeline.waitFor({ state: 'detached' });

  // Reply to the image, quoting it: the reply goes to the same chat and carries the quoted message's ID.
  await imageRow.getByRole('button', { name: 'Reply' }).click();
  await page.getByTestId('reply-quote').waitFor();
  await page.getByRole('button', { name: 'Text message' }).click();
  await page.getByLabel('Text', { exact: true }).fill('A reply to the photo');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const replyRow = page.getByRole('row').filter({ hasText: 'A reply to the photo' });
  await replyRow.locator(done).first().waitFor({ timeout: LIVE });
  const list = await (await t.api(`/api/messages?sessionId=${id}&limit=10`)).json();
  const reply = list.messages.find((m) => m.body === 'A reply to the photo');
  const image = list.messages.find((m) => m.body === 'Photo from the messages test');
  if (!reply || !image || reply.replyTo !== image.messageId) throw new Error(`reply not quoting the image: ${JSON.stringify(reply)}`);
  if (image.type !== 'image' || reply.chatId !== image.chatId) throw new Error(`image message: ${JSON.stringify(image)}`);

  // History filters: direction "Received" hides what was sent.
  const direction = page.locator('.p-dropdown').filter({ has: page.locator('#history-direction') });
  await direction.click();
  await page.getByRole('option', { name: 'Received' }).click();
  await imageRow.waitFor({ state: 'detached' });
  await t.shot('messages-en');

  await page.getByRole('button', { name: /العربية/ }).click();
  await until('dir=rtl', async () => (await page.getAttribute('html', 'dir')) === 'rtl');
  await direction.click();
  await page.getByRole('option', { name: 'أي اتجاه' }).click();
  await page.getByRole('row').filter({ hasText: 'Riyadh office' }).waitFor();
  await t.shot('messages-ar');
}
