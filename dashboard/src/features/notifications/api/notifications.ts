import { create } from 'zustand';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';
import type { EventFrame } from '@waqtor/realtime';
import { useUI } from '@/stores/ui';
import { useLive } from '@/stores/live';

export type Notification = components['schemas']['Notification'];
export type NotificationFilter = 'all' | 'unread';

export const notificationKeys = {
  all: ['notifications'] as const,
  count: () => [...notificationKeys.all, 'count'] as const,
  list: (filter: NotificationFilter, limit: number) => [...notificationKeys.all, 'list', filter, limit] as const,
};

/** The unread count: live through the feed's notifications topic; polled every 30 s only while the feed is down. */
export function useUnreadCount() {
  const open = useLive((s) => s.state === 'open');
  return useQuery({
    queryKey: notificationKeys.count(),
    queryFn: async () => (await unwrap(api.GET('/api/notifications/count'))).unread ?? 0,
    refetchInterval: open ? false : 30_000,
  });
}

/** Pages of notifications, newest first, through the API's cursor (nextBefore). */
export function useNotificationPages(filter: NotificationFilter, limit: number) {
  const open = useLive((s) => s.state === 'open');
  return useInfiniteQuery({
    queryKey: notificationKeys.list(filter, limit),
    initialPageParam: '',
    queryFn: ({ pageParam }) => unwrap(api.GET('/api/notifications', {
      params: { query: { filter, limit, ...(pageParam ? { before: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.nextBefore || undefined,
    refetchInterval: open ? false : 30_000,
  });
}

function useNotificationMutation<V>(fn: (v: V) => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: fn, onSettled: () => qc.invalidateQueries({ queryKey: notificationKeys.all }) });
}

export const useMarkRead = () => useNotificationMutation((id: string) =>
  unwrap(api.POST('/api/notifications/mark-read/{id}', { params: { path: { id } } })));
export const useMarkAllRead = () => useNotificationMutation((_: void) => unwrap(api.POST('/api/notifications/mark-all-read')));
export const useDeleteNotification = () => useNotificationMutation((id: string) =>
  unwrap(api.DELETE('/api/notifications/{id}', { params: { path: { id } } })));

/** Arrivals seen on the feed: the bell animates when `count` moves. */
export const useArrivals = create<{ count: number; lastTitle: string }>(() => ({ count: 0, lastTitle: '' }));

/** A notification.created frame: refetch the count and lists, animate the bell, and (when opted in) play a short
 *  tone and show a desktop notification. */
export function applyNotificationFrame(qc: QueryClient, f: EventFrame) {
  if (f.event !== 'notification.created') return;
  const d = (f.data ?? {}) as { title?: string; message?: string };
  qc.setQueryData<number>(notificationKeys.count(), (n) => (n ?? 0) + 1);
  void qc.invalidateQueries({ queryKey: notificationKeys.all });
  useArrivals.setState((s) => ({ count: s.count + 1, lastTitle: d.title ?? '' }));
  const { notificationSound, notificationDesktop } = useUI.getState();
  if (notificationSound) playTone();
  if (notificationDesktop && typeof Notification !== 'undefined' && Notification.permission === 'granted' && d.title) {
    new Notification(d.title, { body: d.message ?? '' });
  }
}

/** A short two-note chime, made with Web Audio (no audio file to ship). */
function playTone() {
  const Ctx = globalThis.AudioContext;
  if (!Ctx) return;
  const ctx = new Ctx();
  [880, 1320].forEach((hz, i) => {
    const o = ctx.createOscillator();
    const g = ctx.createGain();
    o.frequency.value = hz;
    g.gain.setValueAtTime(0.08, ctx.currentTime + i * 0.12);
    g.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + i * 0.12 + 0.25);
    o.connect(g).connect(ctx.destination);
    o.start(ctx.currentTime + i * 0.12);
    o.stop(ctx.currentTime + i * 0.12 + 0.3);
  });
  setTimeout(() => void ctx.close(), 1000);
}
