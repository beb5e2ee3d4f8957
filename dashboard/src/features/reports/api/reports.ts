import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

export type MessageReport = components['schemas']['MessageReport'];
export type WebhookReport = components['schemas']['WebhookReport'];
export type ReportRange = { from: string; to: string };

export const reportKeys = {
  all: ['reports'] as const,
  messages: (r: ReportRange) => [...reportKeys.all, 'messages', r.from, r.to] as const,
  webhooks: (r: ReportRange) => [...reportKeys.all, 'webhooks', r.from, r.to] as const,
};

export const messageReportQuery = (r: ReportRange) => queryOptions({
  queryKey: reportKeys.messages(r),
  queryFn: async () => unwrap(api.GET('/api/reports/messages', { params: { query: r } })),
});

export const webhookReportQuery = (r: ReportRange) => queryOptions({
  queryKey: reportKeys.webhooks(r),
  queryFn: async () => unwrap(api.GET('/api/reports/webhooks', { params: { query: r } })),
});

export const useMessageReport = (r: ReportRange) => useQuery(messageReportQuery(r));
export const useWebhookReport = (r: ReportRange) => useQuery(webhookReportQuery(r));

/** YYYY-MM-DD of a date, in UTC (the API's days are UTC days). */
export const isoDay = (d: Date) => d.toISOString().slice(0, 10);
