import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useAuth } from '@/stores/auth';
import { toApiError } from './errors';

/** Fetches an image the API serves only with the caller's token (an <img src> cannot send it) and returns an
 *  object URL for it, or null while loading, without a path, or on failure. Paths are versioned (…?v=digest), so
 *  one fetch per path is enough. */
export function useAuthorizedImage(path: string | null | undefined): string | null {
  const token = useAuth((s) => s.token);
  const q = useQuery({
    queryKey: ['image', path, !!token],
    enabled: !!path && !!token,
    staleTime: Infinity,
    queryFn: async ({ signal }) => {
      const res = await globalThis.fetch(new Request(new URL(path ?? '', globalThis.location.origin),
        { headers: { Authorization: `Bearer ${token}` }, signal }));
      if (!res.ok) throw toApiError(res.status, await res.json().catch(() => null));
      return res.blob();
    },
  });
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!q.data || !path) {
      setUrl(null);
      return;
    }
    if (typeof URL.createObjectURL !== 'function') return; // jsdom
    const u = URL.createObjectURL(q.data);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [q.data, path]);
  return url;
}
