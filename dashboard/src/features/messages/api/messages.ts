import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';
import { useFallbackPoll } from '@/stores/live';

export type Message = components['schemas']['Message'];
export type MessageStatus = components['schemas']['MessageStatus'];

export const messageKeys = {
  all: ['messages'] as const,
  list: (sessionId: string) => [...messageKeys.all, 'list', sessionId] as const,
};

/** The newest 50 messages, of one session or ("") of all. */
export const messagesQuery = (sessionId: string) =>
  queryOptions({
    queryKey: messageKeys.list(sessionId),
    queryFn: async () => (await unwrap(api.GET('/api/messages', {
      params: { query: { limit: 50, ...(sessionId ? { sessionId } : {}) } },
    }))).messages ?? [],
  });

/** The history, kept current by the live feed (messages frames, src/app/live.tsx); polled every 30 s only while
 *  the feed is not open. */
export const useMessages = (sessionId: string) => useQuery({ ...messagesQuery(sessionId), refetchInterval: useFallbackPoll() });

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
