import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

/** The server's version, as /healthz reports it. */
export const useServerVersion = () =>
  useQuery({ queryKey: ['about', 'healthz'], queryFn: async () => (await unwrap(api.GET('/healthz'))).version ?? '' });
