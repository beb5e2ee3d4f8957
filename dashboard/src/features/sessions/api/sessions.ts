import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

export type WhatsAppSession = components['schemas']['WhatsAppSession'];
export type SessionStatus = components['schemas']['SessionStatus'];

export const sessionKeys = {
  all: ['sessions'] as const,
  list: () => [...sessionKeys.all, 'list'] as const,
  qr: (id: string) => [...sessionKeys.all, 'qr', id] as const,
};

/** Statuses that change by themselves soon: the list is polled while a session is in one of them. */
const moving: SessionStatus[] = ['connecting', 'qr', 'reconnecting'];

export const sessionsQuery = () =>
  queryOptions({
    queryKey: sessionKeys.list(),
    queryFn: async () => (await unwrap(api.GET('/api/sessions'))).sessions ?? [],
    // No realtime feed yet: poll every 2 s while a session is pairing, every 15 s otherwise.
    refetchInterval: (q) => (q.state.data?.some((s) => s.status && moving.includes(s.status)) ? 2000 : 15000),
  });

export const useSessions = () => useQuery(sessionsQuery());

/** The QR code text, refetched every 3 s while the session waits for a scan (the code rotates). */
export function useSessionQR(id: string, enabled: boolean) {
  return useQuery({
    queryKey: sessionKeys.qr(id),
    queryFn: () => unwrap(api.GET('/api/sessions/{id}/qr', { params: { path: { id } } })),
    enabled,
    refetchInterval: enabled ? 3000 : false,
    staleTime: 0,
    retry: false,
  });
}

function useInvalidateSessions() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: sessionKeys.all });
}

export function useCreateSession() {
  const invalidate = useInvalidateSessions();
  return useMutation({
    mutationFn: (name: string) => unwrap(api.POST('/api/sessions', { body: { name } })),
    onSuccess: invalidate,
  });
}

export function useDeleteSession() {
  const invalidate = useInvalidateSessions();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/sessions/{id}', { params: { path: { id } } })),
    onSuccess: invalidate,
  });
}

export type SessionAction = 'logout' | 'restart';

export function useSessionAction() {
  const invalidate = useInvalidateSessions();
  return useMutation({
    mutationFn: ({ id, action }: { id: string; action: SessionAction }) =>
      action === 'logout'
        ? unwrap(api.POST('/api/sessions/{id}/logout', { params: { path: { id } } }))
        : unwrap(api.POST('/api/sessions/{id}/restart', { params: { path: { id } } })),
    onSuccess: invalidate,
  });
}
