import { useEffect, useState } from 'react';
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import { ApiError } from '@/lib/api/errors';
import type { components } from '@/lib/api/schema';
import { useFallbackPoll } from '@/stores/live';

export type Message = components['schemas']['Message'];
export type MessageStatus = components['schemas']['MessageStatus'];
export type MediaKind = components['schemas']['MediaKind'];

/** The history's filters; "" is "any". */
export interface HistoryFilter {
  sessionId: string;
  chatId: string;
  direction: '' | 'in' | 'out';
  status: '' | MessageStatus;
}
export const noFilter: HistoryFilter = { sessionId: '', chatId: '', direction: '', status: '' };

export const messageKeys = {
  all: ['messages'] as const,
  list: (f: HistoryFilter | string) => [...messageKeys.all, 'list', typeof f === 'string' ? { ...noFilter, sessionId: f } : f] as const,
  one: (id: string) => [...messageKeys.all, 'one', id] as const,
  media: (url: string) => [...messageKeys.all, 'media', url] as const,
};

/** The query string of a filter: only the filters set. */
export function historyQuery(f: HistoryFilter) {
  return {
    limit: 50,
    ...(f.sessionId ? { sessionId: f.sessionId } : {}),
    ...(f.chatId.trim() ? { chatId: f.chatId.trim() } : {}),
    ...(f.direction ? { direction: f.direction } : {}),
    ...(f.status ? { status: f.status } : {}),
  };
}

/** The newest 50 messages matching the filter (a session ID alone is the session filter). */
export const messagesQuery = (f: HistoryFilter | string) => {
  const filter = typeof f === 'string' ? { ...noFilter, sessionId: f } : f;
  return queryOptions({
    queryKey: messageKeys.list(filter),
    queryFn: async () => (await unwrap(api.GET('/api/messages', { params: { query: historyQuery(filter) } }))).messages ?? [],
  });
};

/** The history, kept current by the live feed (messages frames, src/app/live.tsx); polled every 30 s only while
 *  the feed is not open. */
export const useMessages = (f: HistoryFilter | string) => useQuery({ ...messagesQuery(f), refetchInterval: useFallbackPoll() });

/** One message with its status timeline; the live feed's messages frames refetch it (messageKeys.all). */
export const useMessage = (id: string | null) => useQuery({
  queryKey: messageKeys.one(id ?? ''),
  enabled: !!id,
  queryFn: async () => (await unwrap(api.GET('/api/messages/{id}', { params: { path: { id: id ?? '' } } }))).message ?? null,
});

/** Reply and mentions, as the API's `options` (omitted when neither is set). */
export type SendOptions = { quotedMessageId?: string; mentionedIds?: string[] };
function withOptions(o: SendOptions | undefined) {
  const options: SendOptions = {};
  if (o?.quotedMessageId) options.quotedMessageId = o.quotedMessageId;
  if (o?.mentionedIds?.length) options.mentionedIds = o.mentionedIds;
  return Object.keys(options).length ? { options } : {};
}

export type Compose =
  | { kind: 'text'; text: string }
  | { kind: 'media'; file: File | null; caption: string }
  | { kind: 'location'; latitude: number | null; longitude: number | null; name: string; address: string }
  | { kind: 'contact'; name: string; phone: string };

export type SendInput = { sessionId: string; chatId: string; options?: SendOptions; message: Compose };

/** A file the API stored to send by its ID (POST /api/media). */
async function uploadMedia(file: File) {
  return unwrap(api.POST('/api/media', {
    body: file as unknown as string,
    bodySerializer: (b: unknown) => b as Blob,
    headers: { 'Content-Type': file.type || 'application/octet-stream' },
  }));
}

/** Sends one message of any kind the compose form offers. A media message is uploaded first (POST /api/media),
 *  then sent by its ID with the kind the API detected; a missing file is the field error "file". */
export async function sendMessage({ sessionId, chatId, options, message: m }: SendInput) {
  const target = { chatId, ...(sessionId ? { sessionId } : {}), ...withOptions(options) };
  switch (m.kind) {
    case 'text':
      return unwrap(api.POST('/api/messages/send-text', { body: { ...target, text: m.text } }));
    case 'media': {
      if (!m.file) throw new ApiError(422, 'validation_failed', 'file: is required', { fields: [{ field: 'file', message: 'choose a file' }] });
      const up = await uploadMedia(m.file);
      const kind = (up.kind ?? 'document') as MediaKind;
      return unwrap(api.POST('/api/messages/send-media', {
        body: { ...target, media: up.mediaId ?? '', type: kind, ...(m.caption ? { caption: m.caption } : {}),
          ...(kind === 'document' && m.file.name ? { filename: m.file.name } : {}) },
      }));
    }
    case 'location':
      return unwrap(api.POST('/api/messages/send-location', {
        body: { ...target, latitude: m.latitude as number, longitude: m.longitude as number,
          ...(m.name ? { name: m.name } : {}), ...(m.address ? { address: m.address } : {}) },
      }));
    case 'contact':
      return unwrap(api.POST('/api/messages/send-contact', { body: { ...target, contact: { name: m.name, phone: m.phone } } }));
  }
}

export function useSendMessage() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: sendMessage,
    onSuccess: () => qc.invalidateQueries({ queryKey: messageKeys.all }),
    meta: { silent: true },
  });
}

/** A message's stored media file (GET /api/messages/{id}/media, with the token) as an object URL. */
export function useMediaFile(messageId: string | undefined, enabled: boolean) {
  const q = useQuery({
    queryKey: messageKeys.media(messageId ?? ''),
    enabled: !!messageId && enabled,
    staleTime: Infinity,
    retry: false,
    queryFn: async () => {
      const { data, response } = await api.GET('/api/messages/{id}/media', {
        params: { path: { id: messageId ?? '' } }, parseAs: 'blob',
      });
      if (!response.ok || !data) throw new ApiError(response.status, 'http_' + response.status, `HTTP ${response.status}`, {});
      return data as Blob;
    },
  });
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!q.data) { setUrl(null); return; }
    const u = URL.createObjectURL(q.data);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [q.data]);
  return { url, isError: q.isError, isPending: q.isPending && q.fetchStatus !== 'idle' };
}
