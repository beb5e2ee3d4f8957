import { useEffect, useReducer, useState } from 'react';
import { api, unwrap } from '@/lib/api/client';
import { RealtimeClient, type ConnectionState, type EventFrame, type Topic } from '@waqtor/realtime';

/** How many events the monitor keeps (the newest; older ones drop off). */
export const MONITOR_LIMIT = 500;

/** Every topic of the feed: the monitor subscribes to each on its own, so a topic the caller's scopes do not
 *  allow (a forbidden_topic error) does not stop the others. */
export const ALL_TOPICS: Topic[] = ['status', 'messages', 'campaigns', 'smartbot', 'notifications'];

export interface MonitorState {
  /** Shown events, newest first, at most `limit`. */
  events: EventFrame[];
  /** Events that arrived while paused, newest first, at most `limit`; shown on resume. */
  held: EventFrame[];
  paused: boolean;
  limit: number;
}

export type MonitorAction =
  | { type: 'event'; frame: EventFrame }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'clear' };

export const initialMonitor = (limit = MONITOR_LIMIT): MonitorState => ({ events: [], held: [], paused: false, limit });

/** The monitor's state machine: bounded in memory whatever arrives, an event seen twice (a resumed feed) kept once. */
export function monitorReducer(s: MonitorState, a: MonitorAction): MonitorState {
  switch (a.type) {
    case 'event': {
      const seen = (list: EventFrame[]) => list.some((e) => e.id === a.frame.id);
      if (seen(s.events) || seen(s.held)) return s;
      if (s.paused) return { ...s, held: [a.frame, ...s.held].slice(0, s.limit) };
      return { ...s, events: [a.frame, ...s.events].slice(0, s.limit) };
    }
    case 'pause':
      return s.paused ? s : { ...s, paused: true };
    case 'resume':
      return { ...s, paused: false, held: [], events: [...s.held, ...s.events].slice(0, s.limit) };
    case 'clear':
      return { ...s, events: [], held: [] };
  }
}

export interface MonitorFilter {
  types: string[];
  sessionId: string;
}

/** The events that pass the filter: any of `types` (none chosen: all) and of `sessionId` ("" for all). */
export function filterEvents(events: EventFrame[], f: MonitorFilter): EventFrame[] {
  return events.filter((e) => (f.types.length === 0 || f.types.includes(e.event))
    && (!f.sessionId || e.sessionId === f.sessionId));
}

/** The distinct event types among events, sorted. */
export function eventTypes(events: EventFrame[]): string[] {
  return [...new Set(events.map((e) => e.event))].sort();
}

/** Opens a live-feed connection of its own while mounted, subscribed to every topic the caller may see. */
export function useEventMonitor() {
  const [state, dispatch] = useReducer(monitorReducer, undefined, () => initialMonitor());
  const [conn, setConn] = useState<ConnectionState>('connecting');
  /** The feed's refusals (forbidden_topic: a topic the caller's scopes do not allow), as the server phrased them. */
  const [refused, setRefused] = useState<string[]>([]);
  useEffect(() => {
    const client = new RealtimeClient({
      baseUrl: globalThis.location.origin,
      getTicket: () => unwrap(api.POST('/api/realtime/ticket')),
      subscriptions: ALL_TOPICS.map((t) => ({ topics: [t] })),
      onEvent: (frame) => dispatch({ type: 'event', frame }),
      onError: (f) => {
        if (f.code === 'forbidden_topic') setRefused((prev) => (prev.includes(f.message) ? prev : [...prev, f.message]));
      },
    });
    const off = client.onStatus((s) => setConn(s.state));
    client.start();
    return () => { off(); client.stop(); };
  }, []);
  return { state, dispatch, conn, refused };
}
