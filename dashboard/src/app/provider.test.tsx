import { useState } from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import axe from 'axe-core';
import { Chips } from 'primereact/chips';
import { Dropdown } from 'primereact/dropdown';
import { InputSwitch } from 'primereact/inputswitch';
import { AppProvider } from './provider';

/** The axe rules these fixes are about (the ones axe can judge in jsdom; e2e/pages.spec.mjs runs all of them). */
async function violations(el: Element, rules: string[]) {
  const r = await axe.run(el, { runOnly: { type: 'rule', values: rules } });
  return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test("a Dropdown's hidden select and its arrow are hidden from assistive technology; its input keeps the label", () => {
  const { container } = render(
    <AppProvider>
      <label htmlFor="pick">Session</label>
      <Dropdown inputId="pick" value="a" options={[{ id: 'a', label: 'Shop' }]} optionLabel="label" optionValue="id" />
    </AppProvider>,
  );
  const select = container.querySelector('.p-dropdown select');
  const trigger = container.querySelector('.p-dropdown-trigger');
  expect(select).not.toBeNull();
  expect(select).toHaveAttribute('aria-hidden', 'true');
  expect(trigger).toHaveAttribute('aria-hidden', 'true');
  expect(container.querySelector('#pick')).toHaveAccessibleName('Session');
});

test('a Dropdown without a <label> is named by its ariaLabel on the focusable input', () => {
  const { getByRole } = render(
    <AppProvider>
      <Dropdown ariaLabel="Role of bob@example.com" value="a" options={[{ id: 'a', label: 'Admin' }]} optionLabel="label" optionValue="id" />
    </AppProvider>,
  );
  expect(getByRole('textbox', { name: 'Role of bob@example.com' })).toHaveAttribute('tabindex', '0');
});

function Switch() {
  const [on, setOn] = useState(false);
  return (
    <>
      <InputSwitch inputId="sw" checked={on} onChange={(e) => setOn(!!e.value)} />
      <label htmlFor="sw">Sound</label>
      <InputSwitch checked={on} aria-label="Enabled for https://a.example" onChange={(e) => setOn(!!e.value)} />
    </>
  );
}

test('an InputSwitch is one control, its labelled switch input, and stays keyboard-operable', async () => {
  const { container } = render(<AppProvider><Switch /></AppProvider>);
  expect(await violations(container, ['nested-interactive', 'aria-allowed-attr', 'aria-prohibited-attr', 'label'])).toEqual([]);
  expect(screen.queryByRole('checkbox')).toBeNull();
  const sound = screen.getByRole('switch', { name: 'Sound' });
  expect(screen.getByRole('switch', { name: 'Enabled for https://a.example' })).not.toBeChecked();
  await userEvent.tab();
  expect(sound).toHaveFocus();
  await userEvent.keyboard(' ');
  expect(sound).toBeChecked();
  expect(screen.getByRole('switch', { name: 'Enabled for https://a.example' })).toBeChecked();
});

function Tags() {
  const [tags, setTags] = useState<string[]>(['alice']);
  return (
    <>
      <label htmlFor="tags">Mentions</label>
      <Chips inputId="tags" value={tags} separator="," onChange={(e) => setTags(e.value ?? [])} />
    </>
  );
}

test('Chips is a labelled text input and a valid list of its values', async () => {
  const { container } = render(<AppProvider><Tags /></AppProvider>);
  const rules = ['aria-input-field-name', 'aria-required-children', 'aria-required-parent', 'listitem', 'list',
    'aria-allowed-attr', 'label'];
  expect(await violations(container, rules)).toEqual([]);
  const input = screen.getByRole('textbox', { name: 'Mentions' });
  await userEvent.type(input, 'bob,');
  expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['alice', 'bob', '']);
  await userEvent.keyboard('{Backspace}');
  expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['alice', '']);
  expect(await violations(container, rules)).toEqual([]);
});
