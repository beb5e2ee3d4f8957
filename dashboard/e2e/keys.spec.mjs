// API keys spec: create a key with two scopes, rename it and remove one scope in the edit dialog (a blank name is
// refused next to the field first), then use the key from here as a program would: the route of the removed scope
// answers 403, the kept one 200. An admin's key is marked narrowed once the admin is demoted. The edit dialog in
// Arabic. Screenshots in English and Arabic.
import { until } from './harness.mjs';

export default async function keys(t) {
  await t.start();
  const page = await t.browser();
  await t.login();

  await page.getByRole('link', { name: 'API keys' }).click();
  await page.getByRole('heading', { name: 'API keys' }).waitFor();
  await page.getByRole('button', { name: 'New API key' }).click();
  const create = page.getByRole('dialog', { name: 'New API key' });
  await create.getByLabel('Name').fill('CI');
  await create.locator('.wq-key-scopes').click();
  await page.getByRole('option', { name: 'sessions:read' }).click();
  await page.getByRole('option', { name: 'messages:read' }).click();
  await create.locator('label[for=key-name]').click(); // closes the scopes panel
  await page.locator('.p-multiselect-panel').waitFor({ state: 'detached' });
  await create.getByRole('button', { name: 'Create', exact: true }).click();
  const apiKey = await page.getByLabel('Your new API key').inputValue();
  if (!apiKey.startsWith('wq_live_')) throw new Error('no key shown: ' + apiKey);
  const withKey = (path) => fetch(`${t.base}${path}`, { headers: { 'X-API-Key': apiKey } });
  for (const path of ['/api/sessions', '/api/messages']) {
    if ((await withKey(path)).status !== 200) throw new Error(`the new key is refused at ${path}`);
  }
  await create.getByRole('button', { name: 'Done' }).click();

  // Edit: a blank name is the API's field error, shown at the field; nothing changes.
  await page.getByRole('button', { name: 'Edit CI' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit API key CI' });
  const name = edit.getByLabel('Name');
  if ((await name.inputValue()) !== 'CI') throw new Error('the dialog does not start from the key');
  await name.fill('   ');
  await edit.getByRole('button', { name: 'Save' }).click();
  await edit.locator('#edit-key-name-error').getByText('is required').waitFor();
  await name.fill('CI reader');
  await edit.locator('.wq-key-scopes').click();
  await page.getByRole('option', { name: 'messages:read' }).click();
  await edit.locator('label[for=edit-key-name]').click(); // closes the scopes panel
  await page.locator('.p-multiselect-panel').waitFor({ state: 'detached' });
  await t.shot('api-keys-edit-en');
  await edit.getByRole('button', { name: 'Save' }).click();
  await edit.waitFor({ state: 'detached' });

  // The list follows, and so does the API: the removed scope's route is refused, the kept one answers.
  const row = page.getByRole('row').filter({ hasText: 'CI reader' });
  await until('the row to show the new scopes', async () => (await row.getByText('sessions:read', { exact: true }).count()) === 1);
  const stored = (await (await t.api('/api/keys')).json()).data.find((k) => k.name === 'CI reader');
  if (!stored || stored.scopes.join(',') !== 'sessions:read') throw new Error('stored key: ' + JSON.stringify(stored));
  const refused = await withKey('/api/messages');
  if (refused.status !== 403) throw new Error(`the removed scope still works: ${refused.status}`);
  if ((await withKey('/api/sessions')).status !== 200) throw new Error('the kept scope no longer works');
  await t.shot('api-keys-edited-en');

  // An admin's key, then the admin demoted to member: the list marks the key narrowed, naming what it lost.
  const adminPassword = 'amber canyon whistle 93';
  const made = await t.api('/api/users', { method: 'POST', body: JSON.stringify({ email: 'admin@example.com', role: 'admin', password: adminPassword }) });
  if (made.status !== 201) throw new Error(`create admin: ${made.status} ${await made.text()}`);
  const adminId = (await made.json()).id;
  const adminLogin = await fetch(`${t.base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'admin@example.com', password: adminPassword }) });
  const adminToken = (await adminLogin.json()).token;
  const adminKey = await fetch(`${t.base}/api/keys`, { method: 'POST',
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Admin deploys', scopes: ['keys:write', 'sessions:read'] }) });
  if (adminKey.status !== 201) throw new Error(`the admin's key: ${adminKey.status} ${await adminKey.text()}`);
  const demoted = await t.api(`/api/users/${adminId}`, { method: 'PATCH', body: JSON.stringify({ role: 'member' }) });
  if (demoted.status !== 200) throw new Error(`demote: ${demoted.status} ${await demoted.text()}`);
  await page.reload();
  const adminRow = page.getByRole('row').filter({ hasText: 'Admin deploys' });
  await adminRow.getByText('Narrowed').waitFor();
  await adminRow.locator('bdi', { hasText: 'keys:write' }).waitFor();
  await t.shot('api-keys-narrowed-en');

  // Arabic: the page and the edit dialog translated.
  await page.getByRole('button', { name: /Language/ }).click();
  await until('dir=rtl', async () => (await page.evaluate(() => document.documentElement.dir)) === 'rtl');
  await page.getByRole('heading', { name: 'مفاتيح API' }).waitFor();
  // The table's cells follow the language too (they once kept their English buttons until a reload).
  await page.getByRole('row').filter({ hasText: 'CI reader' }).getByRole('button', { name: 'إبطال' }).waitFor();
  await page.getByRole('button', { name: 'تعديل CI reader' }).click();
  const editAr = page.getByRole('dialog', { name: 'تعديل مفتاح API CI reader' });
  await editAr.getByLabel('الاسم').waitFor();
  await editAr.getByRole('button', { name: 'حفظ' }).waitFor();
  await editAr.getByText('لا يحمل المفتاح صلاحيات أكثر مما يملكه من يضبطها').waitFor();
  await page.getByRole('row').filter({ hasText: 'Admin deploys' }).getByText('مُقيَّد').waitFor();
  await t.shot('api-keys-edit-ar');
}
