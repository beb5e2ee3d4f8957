import { act, render, screen, within } from '@testing-library/react';
import { localeOptions } from 'primereact/api';
import { Column } from 'primereact/column';
import { DataTable } from 'primereact/datatable';
import { Password } from 'primereact/password';
import { AppProvider } from '@/app/provider';
import { useUI } from '@/stores/ui';
import { translations } from './i18n';
import ar from '@/locales/ar/primereact.json';
import './primeLocale';

type Value = string | number | boolean | null | undefined | Value[] | { [key: string]: Value };

/** Every leaf of a locale: its path and value (arrays by index, the aria object by key). */
function leaves(v: Value, path = ''): [string, Value][] {
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, `${path}[${i}]`));
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leaves(x, path ? `${path}.${k}` : k));
  return [[path, v]];
}

const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
/** Strings that are the same in every language: a bare placeholder. */
const sameInArabic = new Set(['aria.slideNumber']);

describe("PrimeReact's own strings", () => {
  // The installed PrimeReact's English locale: a key it adds in an upgrade fails here until it is translated.
  const installed = leaves(localeOptions('en') as Value);
  const arabic = new Map(leaves(ar as Value));

  it('has an Arabic value of the same kind for every key of PrimeReact’s English locale, and no other key', () => {
    expect(installed.length).toBeGreaterThan(100);
    const missing = installed.filter(([k, v]) => typeof arabic.get(k) !== typeof v).map(([k]) => k);
    expect(missing).toEqual([]);
    const known = new Set(installed.map(([k]) => k));
    expect([...arabic.keys()].filter((k) => !known.has(k))).toEqual([]);
  });

  it('is Arabic: every string has Arabic letters and keeps the English placeholders', () => {
    for (const [k, e] of installed) {
      const a = arabic.get(k);
      if (typeof e !== 'string' || typeof a !== 'string') continue;
      expect(placeholders(a), k).toEqual(placeholders(e));
      if (k === 'dateFormat' || sameInArabic.has(k)) continue;
      expect(a, k).toMatch(/[\u0621-\u064A]/);
    }
    expect(ar.firstDayOfWeek).toBe(6);
    expect(ar.dateFormat).toBe('dd/mm/yy');
  });

  it('is not part of the i18next translations (its placeholders are PrimeReact’s, {0})', () => {
    expect(Object.keys(translations().ar)).not.toContain('primereact');
  });

  it('is registered with PrimeReact, with the nested aria labels', () => {
    expect(localeOptions('ar')).toEqual(ar);
  });
});

describe("PrimeReact's locale follows the app's language", () => {
  beforeEach(() => useUI.setState({ language: 'en' }));

  function Form() {
    return (
      <>
        <Password inputId="pw" value="secret" toggleMask feedback={false} onChange={() => undefined} />
        <DataTable value={[]} aria-label="table"><Column field="name" header="Name" /></DataTable>
      </>
    );
  }

  it('shows the Password toggle’s label and a table’s empty message in Arabic, and back in English', async () => {
    const { container } = render(<AppProvider><Form /></AppProvider>);
    const toggle = () => container.querySelector('.p-password-show-icon');
    expect(toggle()).toHaveAttribute('aria-label', 'Show Password');
    expect(within(screen.getByRole('table')).getByText('No available options')).toBeInTheDocument();

    await act(async () => useUI.getState().setLanguage('ar'));
    expect(toggle()).toHaveAttribute('aria-label', 'إظهار كلمة المرور');
    expect(within(screen.getByRole('table')).getByText('لا توجد خيارات متاحة')).toBeInTheDocument();

    await act(async () => useUI.getState().setLanguage('en'));
    expect(toggle()).toHaveAttribute('aria-label', 'Show Password');
    expect(within(screen.getByRole('table')).getByText('No available options')).toBeInTheDocument();
  });
});
