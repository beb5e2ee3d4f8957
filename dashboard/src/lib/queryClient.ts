import { MutationCache, QueryClient } from '@tanstack/react-query';
import { ApiError } from './api/errors';
import { toastError } from './toast';

/** Stale after 30 s, three retries with exponential backoff for server and network failures (never for 4xx:
 *  the answer will not change), refetch when the window regains focus. */
export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: true,
        retry: (count, err) => count < 3 && !(err instanceof ApiError && err.status < 500),
        retryDelay: (attempt) => Math.min(1000 * 2 ** attempt, 10_000),
      },
    },
    // A mutation whose form shows its own errors sets meta.silent.
    mutationCache: new MutationCache({ onError: (err, _v, _c, m) => { if (!m.meta?.['silent']) toastError(err); } }),
  });
}
