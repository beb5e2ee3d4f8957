import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

export type Webhook = components['schemas']['Webhook'];
export type WebhookDelivery = components['schemas']['WebhookDelivery'];
export type WebhookAttempt = components['schemas']['WebhookAttempt'];
export type WebhookEventName = components['schemas']['WebhookEventName'];
export type DeliveryStatus = NonNullable<WebhookDelivery['status']>;

/** What the create and edit form sends. headers: name → value; "********" keeps a stored value (edit only). */
export interface WebhookInput {
  url: string;
  description: string;
  events: WebhookEventName[];
  enabled: boolean;
  headers: Record<string, string>;
  secret?: string;
}

export const webhookKeys = {
  all: ['webhooks'] as const,
  list: () => [...webhookKeys.all, 'list'] as const,
  events: () => [...webhookKeys.all, 'events'] as const,
  deliveries: (id: string, status: DeliveryStatus | '') => [...webhookKeys.all, 'deliveries', id, status] as const,
  delivery: (id: string, deliveryId: string) => [...webhookKeys.all, 'delivery', id, deliveryId] as const,
};

export const useWebhooks = () =>
  useQuery({ queryKey: webhookKeys.list(), queryFn: async () => (await unwrap(api.GET('/api/webhooks'))).webhooks ?? [] });

export const useWebhookEvents = () =>
  useQuery({ queryKey: webhookKeys.events(), staleTime: Infinity,
    queryFn: async () => (await unwrap(api.GET('/api/webhooks/events'))).events ?? [] });

export function useCreateWebhook() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (b: WebhookInput) => unwrap(api.POST('/api/webhooks', { body: {
      url: b.url, events: b.events, description: b.description, enabled: b.enabled, headers: b.headers,
      ...(b.secret ? { secret: b.secret } : {}) } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: webhookKeys.list() }),
    meta: { silent: true },
  });
}

export function useUpdateWebhook() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: Partial<Omit<WebhookInput, 'secret'>> }) =>
      unwrap(api.PATCH('/api/webhooks/{id}', { params: { path: { id } }, body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: webhookKeys.list() }),
    meta: { silent: true },
  });
}

export function useDeleteWebhook() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/webhooks/{id}', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: webhookKeys.all }),
  });
}

export function useRotateSecret() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/webhooks/{id}/rotate-secret', { params: { path: { id } }, body: {} })),
    onSuccess: () => qc.invalidateQueries({ queryKey: webhookKeys.list() }),
  });
}

export function useTestWebhook() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/webhooks/{id}/test', { params: { path: { id } } })),
    onSettled: (_d, _e, id) => qc.invalidateQueries({ queryKey: [...webhookKeys.all, 'deliveries', id] }),
  });
}

/** An endpoint's delivery log, newest first, 25 a page through the API's cursor. Refreshed every 3 s while a
 *  delivery on screen is pending (deliveries are not on the live feed). */
export function useDeliveries(id: string, status: DeliveryStatus | '') {
  return useInfiniteQuery({
    queryKey: webhookKeys.deliveries(id, status),
    initialPageParam: '',
    queryFn: ({ pageParam }) => unwrap(api.GET('/api/webhooks/{id}/deliveries', { params: { path: { id },
      query: { limit: 25, ...(status ? { status } : {}), ...(pageParam ? { before: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.nextBefore || undefined,
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.data?.some((d) => d.status === 'pending')) ? 3000 : false),
  });
}

export const useDelivery = (id: string, deliveryId: string | null) =>
  useQuery({ queryKey: webhookKeys.delivery(id, deliveryId ?? ''), enabled: !!deliveryId,
    queryFn: () => unwrap(api.GET('/api/webhooks/{id}/deliveries/{deliveryId}', { params: { path: { id, deliveryId: deliveryId ?? '' } } })) });

export function useReplayDelivery() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, deliveryId }: { id: string; deliveryId: string }) =>
      unwrap(api.POST('/api/webhooks/{id}/deliveries/{deliveryId}/replay', { params: { path: { id, deliveryId } } })),
    onSuccess: (_d, v) => qc.invalidateQueries({ queryKey: [...webhookKeys.all, 'deliveries', v.id] }),
  });
}

export function useReplayFailed() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, from, to }: { id: string; from: string; to?: string }) =>
      unwrap(api.POST('/api/webhooks/{id}/replay', { params: { path: { id } }, body: { from, ...(to ? { to } : {}) } })),
    onSuccess: (_d, v) => qc.invalidateQueries({ queryKey: [...webhookKeys.all, 'deliveries', v.id] }),
    meta: { silent: true },
  });
}
