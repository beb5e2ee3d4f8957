import { useEffect } from 'react';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import { socketBase } from '@/lib/config';
import { RealtimeClient, type EventFrame } from '@waqtor/realtime';
import { useAuth } from '@/stores/auth';
import { useLive } from '@/stores/live';
import { sessionKeys, type WhatsAppSession } from '@/features/sessions/api/sessions';
import { applyMessageFrame, messageKeys, refreshMessages } from '@/features/messages/api/messages';
import { applyNotificationFrame, notificationKeys } from '@/features/notifications/api/notifications';

/** Applies one event frame to the query cache: status frames to the sessions, messages frames to the history and
 *  the sessions' message counters. */
export function applyFrame(qc: QueryClient, f: EventFrame) {
  if (f.topic === 'status' && f.sessionId) {
    const id = f.sessionId;
    if (f.event === 'session.qr') {
      const d = f.data as { qr?: string; expiresAt?: number };
      if (d.qr) {
        qc.setQueryData(sessionKeys.qr(id), {
          qr: d.qr, status: 'qr' as const, expiresAt: d.expiresAt ? new Date(d.expiresAt * 1000).toISOString() : null,
        });
      }
      return;
    }
    if (f.event === 'session.status') {
      const status = (f.data as { status?: WhatsAppSession['status'] }).status;
      if (status) {
        qc.setQueryData<WhatsAppSession[]>(sessionKeys.list(), (list) =>
          list?.map((s) => (s.id === id ? { ...s, status } : s)));
      }
      // The rest of the session (account, times) comes from the API.
      void qc.invalidateQueries({ queryKey: sessionKeys.list() });
    }
    return;
  }
  if (f.topic === 'messages') {
    applyMessageFrame(qc, f);
    void refreshMessages(qc);
    // The session cards' counters: that session's, or every one when the frame names none.
    void qc.invalidateQueries({ queryKey: f.sessionId ? sessionKeys.stats(f.sessionId) : sessionKeys.allStats() });
  }
  if (f.topic === 'notifications') applyNotificationFrame(qc, f);
}

/** Opens the live feed while logged in: events update the queries, the status goes to the live store. */
export function LiveFeed() {
  const token = useAuth((s) => s.token);
  const qc = useQueryClient();
  useEffect(() => {
    if (!token) return;
    let opened = false;
    const client = new RealtimeClient({
      baseUrl: socketBase(),
      getTicket: () => unwrap(api.POST('/api/realtime/ticket')),
      subscriptions: [{ topics: ['status', 'messages', 'notifications'] }],
      onEvent: (f) => applyFrame(qc, f),
      onResync: () => void qc.invalidateQueries(),
    });
    const off = client.onStatus((s) => {
      // Events published before the first subscribe are not replayed: reload once the feed is first open.
      if (s.state === 'open' && !opened) {
        opened = true;
        void qc.invalidateQueries({ queryKey: sessionKeys.all });
        void qc.invalidateQueries({ queryKey: messageKeys.all });
        void qc.invalidateQueries({ queryKey: notificationKeys.all });
      }
      useLive.setState(s, true);
    });
    client.start();
    return () => {
      off();
      client.stop();
      useLive.setState({ state: 'closed', latencyMs: null, attempt: 0 }, true);
    };
  }, [token, qc]);
  return null;
}
