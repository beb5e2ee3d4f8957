import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

export type Message = components['schemas']['Message'];
export type MessageStatus = components['schemas']['MessageStatus'];

export const messageKeys = {
  all: ['messages'] as const,
  list: (sessionId: string) => [...messageKeys.all, 'list', sessionId] as const,
};

/** Statuses that still change: the history is polled every 3 s while one is shown (no realtime feed yet). */
const moving: MessageStatus[] = ['pending', 'sent', 'delivered'];

/** The newest 50 messages, of one session or ("") of all. */
export const messagesQuery = (sessionId: string) =>
  queryOptions({
    queryKey: messageKeys.list(sessionId),
    queryFn: async () => (await unwrap(api.GET('/api/messages', {
      params: { query: { limit: 50, ...(sessionId ? { sessionId } : {}) } },
    }))).messages ?? [],
    refetchInterval: (q) => (q.state.data?.some((m) => m.direction === 'out' && m.status && moving.includes(m.status)) ? 3000 : 15000),
  });

export const useMessages = (sessionId: string) => useQuery(messagesQuery(sessionId));

export type SendTextInput = { sessionId: string; chatId: string; text: string };

export function useSendText() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ sessionId, chatId, text }: SendTextInput) =>
      unwrap(api.POST('/api/messages/send-text', { body: { chatId, text, ...(sessionId ? { sessionId } : {}) } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: messageKeys.all }),
    meta: { silent: true },
  });
}
