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
