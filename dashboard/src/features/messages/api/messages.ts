import { useEffect, useState } from 'react';
import { infiniteQueryOptions, useInfiniteQuery, useMutation, useQuery, useQueryClient, type InfiniteData,
  type QueryClient } from '@tanstack/react-query';
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
  /** The history's pages (GET /api/messages by cursor) for one filter and page size. */
  pages: (f: HistoryFilter, size: number) => [...messageKeys.all, 'pages', f, size] as const,
  one: (id: string) => [...messageKeys.all, 'one', id] as const,
  media: (url: string) => [...messageKeys.all, 'media', url] as const,
};

/** How many messages the history and the chat view load per page (the API allows 1 to 200). */
export const PAGE_SIZE = 50;

/** The query string of a filter: only the filters set. */
export function historyQuery(f: HistoryFilter, limit = PAGE_SIZE) {
  return {
    limit,
    ...(f.sessionId ? { sessionId: f.sessionId } : {}),
    ...(f.chatId.trim() ? { chatId: f.chatId.trim() } : {}),
    ...(f.direction ? { direction: f.direction } : {}),
    ...(f.status ? { status: f.status } : {}),
  };
}

/** One page of GET /api/messages: newest first; `next` is the cursor of the page after it (absent on the last). */
export interface MessagePage { messages: Message[]; next?: string }

async function fetchMessagePage(filter: HistoryFilter, size: number, cursor: string): Promise<MessagePage> {
  const query = { ...historyQuery(filter, size), ...(cursor ? { cursor } : {}) };
  const r = await unwrap(api.GET('/api/messages', { params: { query } }));
  return { messages: r.messages ?? [], ...(r.next ? { next: r.next } : {}) };
}

/** The history matching the filter, page by page with the API's cursor (newest first; the cursor is a position, so a
 *  loaded page's `next` stays valid while new messages arrive). A new filter is a new query: it starts again from the
 *  newest page. The live feed does not refetch it (that would push loaded messages off the end): see
 *  refreshMessagePages and applyMessageFrame. */
export const messagePagesQuery = (filter: HistoryFilter, size = PAGE_SIZE) => infiniteQueryOptions({
  queryKey: messageKeys.pages(filter, size),
  initialPageParam: '',
  queryFn: ({ pageParam }) => fetchMessagePage(filter, size, pageParam),
  getNextPageParam: (last: MessagePage) => last.next || undefined,
});

/** The paged history, newest first, with fetchNextPage for the older pages; polled every 30 s only while the feed
 *  is not open. `messages` is every loaded page in one list (a message on two pages, shifted by new ones, once). */
export function useMessagePages(filter: HistoryFilter, size = PAGE_SIZE) {
  const q = useInfiniteQuery({ ...messagePagesQuery(filter, size), refetchInterval: useFallbackPoll() });
  return { ...q, messages: flattenPages(q.data) };
}

export function flattenPages(data: InfiniteData<MessagePage> | undefined): Message[] {
  const seen = new Set<string>();
  const out: Message[] = [];
  for (const p of data?.pages ?? []) {
    for (const m of p.messages) {
      const id = m.messageId ?? '';
      if (id && seen.has(id)) continue;
      seen.add(id);
      out.push(m);
    }
  }
  return out;
}

/** Puts a freshly fetched newest page on top of the loaded pages: new messages first, then every loaded message that
 *  is not on the new page (status from the new page where it has one, unless the loaded one is further along), the
 *  cursors of the older pages unchanged.
 *  When nothing was loaded, or more messages arrived than a page holds (no overlap and more after it), it starts
 *  again from the new page. */
export function mergeHead(data: InfiniteData<MessagePage, string>, head: MessagePage): InfiniteData<MessagePage, string> {
  const loaded = new Map(flattenPages(data).map((m) => [m.messageId, m]));
  const fresh = new Set(head.messages.map((m) => m.messageId));
  const overlap = head.messages.some((m) => loaded.has(m.messageId));
  if (loaded.size === 0 || (!overlap && head.next)) return { pages: [head], pageParams: [''] };
  // A status only moves forward: a page fetched before a receipt the feed already applied keeps the receipt's status.
  head = { ...head, messages: head.messages.map((m) => {
    const was = loaded.get(m.messageId)?.status;
    return was && rank[was] > rank[m.status ?? 'pending'] ? { ...m, status: was } : m;
  }) };
  const [first, ...rest] = data.pages;
  const keep = (p: MessagePage) => ({ ...p, messages: p.messages.filter((m) => !fresh.has(m.messageId)) });
  return {
    pages: [{ messages: [...head.messages, ...keep(first ?? { messages: [] }).messages], ...(first?.next ? { next: first.next } : {}) },
      ...rest.map(keep)],
    pageParams: data.pageParams,
  };
}

/** The head refreshes in flight, per query client and query: frames that come while one runs ask for one more run
 *  after it, so a burst of frames costs two requests per list, not one each. */
const refreshing = new WeakMap<QueryClient, Map<string, { again: boolean }>>();

/** What a messages frame of the live feed does to the paged histories on screen: fetches each one's newest page and
 *  merges it on top (mergeHead), so new messages appear and every loaded page stays loaded. Histories not on screen
 *  are only marked stale. */
export async function refreshMessagePages(qc: QueryClient) {
  const queries = qc.getQueryCache().findAll({ queryKey: [...messageKeys.all, 'pages'] });
  let running = refreshing.get(qc);
  if (!running) { running = new Map(); refreshing.set(qc, running); }
  const inFlight = running;
  await Promise.all(queries.map(async (q) => {
    const key = q.queryKey as ReturnType<typeof messageKeys.pages>;
    const data = q.state.data as InfiniteData<MessagePage, string> | undefined;
    if (!data?.pages.length || q.getObserversCount() === 0) {
      await qc.invalidateQueries({ queryKey: key, exact: true });
      return;
    }
    const id = q.queryHash;
    const busy = inFlight.get(id);
    if (busy) { busy.again = true; return; }
    const state = { again: false };
    inFlight.set(id, state);
    try {
      do {
        state.again = false;
        const head = await fetchMessagePage(key[2], key[3], '');
        qc.setQueryData<InfiniteData<MessagePage, string>>(key, (cur) => mergeHead(cur ?? data, head));
      } while (state.again);
    } catch {
      await qc.invalidateQueries({ queryKey: key, exact: true });
    } finally {
      inFlight.delete(id);
    }
  }));
}

/** Everything a messages frame or a send makes stale: the paged histories get their newest page merged on top
 *  (refreshMessagePages), every other message query is refetched. */
export function refreshMessages(qc: QueryClient) {
  void qc.invalidateQueries({ queryKey: messageKeys.all, predicate: (q) => q.queryKey[1] !== 'pages' });
  return refreshMessagePages(qc);
}

/** How far along each status is: a receipt only ever moves a message forward (receipts arrive out of order). */
const rank: Record<MessageStatus, number> = { pending: 0, failed: 1, received: 1, sent: 2, delivered: 3, read: 4, played: 5 };
const frameStatus: Record<string, MessageStatus> = {
  'message.sent': 'sent', 'message.delivered': 'delivered', 'message.read': 'read', 'message.failed': 'failed',
};

/** Applies a receipt frame of the live feed (message.sent, .delivered, .read, .failed) to every loaded page of every
 *  paged history at once, before the refetch the same frame starts: the row or bubble of that message, on whichever
 *  loaded page it is, shows its new status. */
export function applyMessageFrame(qc: QueryClient, f: { event: string; data?: unknown }) {
  const status = frameStatus[f.event];
  const id = (f.data as { messageId?: unknown } | undefined)?.messageId;
  if (!status || typeof id !== 'string' || !id) return;
  qc.setQueriesData<InfiniteData<MessagePage>>({ queryKey: [...messageKeys.all, 'pages'] }, (data) => {
    if (!data) return data;
    let changed = false;
    const pages = data.pages.map((p) => {
      if (!p.messages.some((m) => m.messageId === id)) return p;
      return { ...p, messages: p.messages.map((m) => {
        if (m.messageId !== id || rank[status] <= rank[m.status ?? 'pending']) return m;
        if (status === 'failed' && m.status !== 'pending') return m;
        changed = true;
        return { ...m, status };
      }) };
    });
    return changed ? { ...data, pages } : data;
  });
}

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
    // Not awaited: the caller's onSuccess (the chat view puts the answer in as the new bubble) runs at once.
    onSuccess: () => { void refreshMessages(qc); },
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
