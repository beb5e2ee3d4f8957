import { render } from '@testing-library/react';
import { Dropdown } from 'primereact/dropdown';
import { AppProvider } from './provider';

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
