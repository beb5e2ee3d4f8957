import { render } from '@testing-library/react';
import axe from 'axe-core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ActivityList } from './ActivityList';

// While the activity loads, its placeholder is a labelled status: a label on a plain div is an ARIA violation
// (aria-prohibited-attr) that e2e/pages.spec.mjs caught only when axe ran before the data arrived.
test('the loading placeholder is a labelled status that axe accepts', async () => {
  vi.stubGlobal('fetch', () => new Promise<Response>(() => {})); // never answers: the list stays pending
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const { container, getByRole } = render(
    <QueryClientProvider client={qc}><ActivityList userId="usr_1" /></QueryClientProvider>,
  );
  expect(getByRole('status')).toHaveAttribute('aria-busy', 'true');
  const r = await axe.run(container, { runOnly: { type: 'rule', values: ['aria-prohibited-attr', 'aria-allowed-attr'] } });
  expect(r.violations.map((v) => v.id)).toEqual([]);
  vi.unstubAllGlobals();
});
