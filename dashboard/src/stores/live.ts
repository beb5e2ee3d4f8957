import { create } from 'zustand';
import type { RealtimeStatus } from '@waqtor/realtime';

/** The live feed's connection status (src/app/live.tsx keeps it); queries poll only while it is not open. */
export const useLive = create<RealtimeStatus>()(() => ({ state: 'closed', latencyMs: null, attempt: 0 }));

/** The slow poll that stands in for the feed while the socket is not open. */
export const FALLBACK_POLL_MS = 30_000;

/** A query's refetchInterval: none while the feed is open, the slow fallback otherwise. */
export function useFallbackPoll(): number | false {
  return useLive((s) => (s.state === 'open' ? false : FALLBACK_POLL_MS));
}
