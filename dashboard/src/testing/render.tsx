import { render } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router-dom';
import { QueryClient } from '@tanstack/react-query';
import { AppProvider } from '@/app/provider';
import { routes } from '@/app/router';

/** Renders the whole app (providers, router, shell) at a path, with a query client that does not retry. */
export function renderApp(path: string) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const router = createMemoryRouter(routes(), { initialEntries: [path] });
  return { router, queryClient, ...render(<AppProvider queryClient={queryClient}><RouterProvider router={router} /></AppProvider>) };
}
