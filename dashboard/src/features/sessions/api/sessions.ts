import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';
import { useFallbackPoll, useLive } from '@/stores/live';

export type WhatsAppSession = components['schemas']['WhatsAppSession'];
export type SessionStatus = components['schemas']['SessionStatus'];

export const sessionKeys = {
  all: ['sessions'] as const,
  list: () => [...sessionKeys.all, 'list'] as const,
  qr: (id: string) => [...sessionKeys.all, 'qr', id] as const,
  stats: (id: string) => [...sessionKeys.all, 'stats', id] as const,
  allStats: () => [...sessionKeys.all, 'stats'] as const,
};

export const sessionsQuery = () =>
  queryOptions({
    queryKey: sessionKeys.list(),
    queryFn: async () => (await unwrap(api.GET('/api/sessions'))).sessions ?? [],
  });

/** The sessions, kept current by the live feed (status frames, src/app/live.tsx); polled every 30 s only while
 *  the feed is not open. */
export const useSessions = () => useQuery({ ...sessionsQuery(), refetchInterval: useFallbackPoll() });

/** The QR code text. The live feed's session.qr frames replace it as it rotates; while the feed is not open it is
 *  refetched every 3 s instead (a code lives about 20 s, a slower poll would show expired codes). */
export function useSessionQR(id: string, enabled: boolean) {
  const live = useLive((s) => s.state === 'open');
  return useQuery({
    queryKey: sessionKeys.qr(id),
    queryFn: () => unwrap(api.GET('/api/sessions/{id}/qr', { params: { path: { id } } })),
    enabled,
    refetchInterval: enabled && !live ? 3000 : false,
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

export type SessionAction = 'logout' | 'restart' | 'stop';

export function useSessionAction() {
  const invalidate = useInvalidateSessions();
  return useMutation({
    mutationFn: ({ id, action }: { id: string; action: SessionAction }) =>
      action === 'logout'
        ? unwrap(api.POST('/api/sessions/{id}/logout', { params: { path: { id } } }))
        : action === 'stop'
          ? unwrap(api.POST('/api/sessions/{id}/stop', { params: { path: { id } } }))
          : unwrap(api.POST('/api/sessions/{id}/restart', { params: { path: { id } } })),
    onSuccess: invalidate,
  });
}

/** Asks a pairing code for the phone number; the answer's code is typed on the phone. */
export function usePairingCode() {
  return useMutation({
    mutationFn: ({ id, phone }: { id: string; phone: string }) =>
      unwrap(api.POST('/api/sessions/{id}/pairing-code', { params: { path: { id } }, body: { phone } })),
    meta: { silent: true },
  });
}

export type ClientInfo = components['schemas']['ClientInfo'];

/** The linked phone's client info (GET /api/sessions/{id}/status), for a ready session. Keyed by the session's
 *  status and update time, which the live feed keeps current, so a new status loads it again. */
export function useClientInfo(s: WhatsAppSession) {
  const id = s.id ?? '';
  return useQuery({
    queryKey: [...sessionKeys.all, 'status', id, s.status ?? '', s.updatedAt ?? ''] as const,
    queryFn: async () => (await unwrap(api.GET('/api/sessions/{id}/status', { params: { path: { id } } }))).clientInfo ?? null,
    enabled: !!id && s.status === 'ready',
  });
}

export type SessionStats = components['schemas']['SessionStats'];

/** The session's message counters of the last 24 hours (GET /api/sessions/{id}/stats). The live feed's message
 *  frames mark them stale (src/app/live.tsx), so they follow sends, receipts and incoming messages; polled every 30 s
 *  only while the feed is not open. */
export function useSessionStats(id: string, enabled: boolean) {
  return useQuery({
    queryKey: sessionKeys.stats(id),
    queryFn: () => unwrap(api.GET('/api/sessions/{id}/stats', { params: { path: { id } } })),
    enabled: enabled && !!id,
    refetchInterval: useFallbackPoll(),
  });
}
