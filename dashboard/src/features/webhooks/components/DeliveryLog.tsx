import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DataTable } from 'primereact/datatable';
import { Column } from 'primereact/column';
import { Button } from 'primereact/button';
import { Tag } from 'primereact/tag';
import { Dropdown } from 'primereact/dropdown';
import { Dialog } from 'primereact/dialog';
import { Calendar } from 'primereact/calendar';
import { Message as Notice } from 'primereact/message';
import { useDeliveries, useDelivery, useReplayDelivery, useReplayFailed, type DeliveryStatus, type Webhook, type WebhookAttempt,
  type WebhookDelivery } from '../api/webhooks';
import { ApiError, fieldErrors } from '@/lib/api/errors';
import { toastSuccess } from '@/lib/toast';

const severity: Record<DeliveryStatus, 'success' | 'warning' | 'danger'> = { delivered: 'success', pending: 'warning', failed: 'danger' };

/** One endpoint's delivery log: status, HTTP code, attempts, time; one delivery's attempts (with response times);
 *  replay one; replay the failed ones of a time range. */
export function DeliveryLog({ webhook, onClose }: { webhook: Webhook; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const id = webhook.id ?? '';
  const [status, setStatus] = useState<DeliveryStatus | 'all'>('all');
  const [open, setOpen] = useState<string | null>(null);
  const [replaying, setReplaying] = useState(false);
  const log = useDeliveries(id, status === 'all' ? '' : status);
  const replay = useReplayDelivery();
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'short', timeStyle: 'medium' });
  const rows = log.data?.pages.flatMap((p) => p.data ?? []) ?? [];
  const statuses: { label: string; value: DeliveryStatus | 'all' }[] = [{ label: t('webhooks.statusAll'), value: 'all' },
    { label: t('webhooks.status.delivered'), value: 'delivered' }, { label: t('webhooks.status.pending'), value: 'pending' },
    { label: t('webhooks.status.failed'), value: 'failed' }];
  return (
    <section className="wq-card mt-4" aria-labelledby="wh-log-title">
      <div className="flex flex-wrap align-items-center justify-content-between gap-2 mb-3">
        <h2 id="wh-log-title" className="wq-card-title m-0">{t('webhooks.logFor')} <bdi dir="ltr" className="wq-url">{webhook.url}</bdi></h2>
        <div className="flex flex-wrap gap-2">
          <Dropdown value={status} options={statuses} onChange={(e) => setStatus(e.value as DeliveryStatus | 'all')}
            ariaLabel={t('webhooks.statusFilter')} />
          <Button outlined icon="pi pi-replay" label={t('webhooks.replayFailed')} onClick={() => setReplaying(true)} />
          <Button text icon="pi pi-times" aria-label={t('webhooks.closeLog')} onClick={onClose} />
        </div>
      </div>
      {log.isError && <Notice severity="error" className="w-full mb-2" text={log.error instanceof ApiError
        ? `${log.error.message} (${log.error.code})` : t('errors.network')} />}
      <DataTable value={rows} loading={log.isPending} dataKey="id" size="small" emptyMessage={t('webhooks.noDeliveries')}
        aria-label={t('webhooks.deliveries')}>
        <Column header={t('webhooks.when')} body={(d: WebhookDelivery) => (d.createdAt ? date.format(new Date(d.createdAt)) : '—')} />
        <Column header={t('webhooks.event')} body={(d: WebhookDelivery) => <span dir="ltr">{d.event}</span>} />
        <Column header={t('webhooks.statusCol')} body={(d: WebhookDelivery) => d.status &&
          <Tag severity={severity[d.status]} value={t(`webhooks.status.${d.status}`)} />} />
        <Column header={t('webhooks.httpCode')} body={(d: WebhookDelivery) => d.lastStatusCode || '—'} />
        <Column header={t('webhooks.attempts')} field="attempts" />
        <Column body={(d: WebhookDelivery) => (
          <div className="flex gap-1">
            <Button size="small" text icon="pi pi-eye" label={t('webhooks.viewAttempts')} onClick={() => setOpen(d.id ?? '')} />
            <Button size="small" text icon="pi pi-replay" label={t('webhooks.replay')} disabled={d.status === 'pending'}
              loading={replay.isPending && replay.variables?.deliveryId === d.id}
              onClick={() => replay.mutate({ id, deliveryId: d.id ?? '' }, { onSuccess: () => toastSuccess(t('webhooks.replayed')) })} />
          </div>)} />
      </DataTable>
      {log.hasNextPage && (
        <div className="flex justify-content-center mt-2">
          <Button outlined label={t('webhooks.more')} loading={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()} />
        </div>
      )}
      <AttemptsDialog webhookId={id} deliveryId={open} onHide={() => setOpen(null)} />
      <ReplayFailedDialog webhookId={id} visible={replaying} onHide={() => setReplaying(false)} />
    </section>
  );
}

function AttemptsDialog({ webhookId, deliveryId, onHide }: { webhookId: string; deliveryId: string | null; onHide: () => void }) {
  const { t, i18n } = useTranslation();
  const d = useDelivery(webhookId, deliveryId);
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'short', timeStyle: 'medium' });
  return (
    <Dialog header={t('webhooks.attemptsTitle')} visible={!!deliveryId} onHide={onHide} style={{ width: 'min(760px, 95vw)' }}>
      {d.isError && <Notice severity="error" className="w-full" text={d.error instanceof ApiError ? `${d.error.message} (${d.error.code})` : t('errors.network')} />}
      {d.data && <p className="wq-muted mt-0"><span dir="ltr">{d.data.event}</span> · <bdi dir="ltr">{d.data.id}</bdi></p>}
      <DataTable value={d.data?.attemptLog ?? []} loading={d.isPending} size="small" emptyMessage={t('webhooks.noAttempts')}
        aria-label={t('webhooks.attemptsTitle')}>
        <Column header="#" field="n" />
        <Column header={t('webhooks.when')} body={(a: WebhookAttempt) => (a.at ? date.format(new Date(a.at)) : '—')} />
        <Column header={t('webhooks.httpCode')} body={(a: WebhookAttempt) => a.statusCode || '—'} />
        <Column header={t('webhooks.responseTime')} body={(a: WebhookAttempt) => (a.durationMs != null ? t('webhooks.ms', { ms: a.durationMs }) : '—')} />
        <Column header={t('webhooks.detail')} body={(a: WebhookAttempt) => (
          <code dir="ltr" className="wq-response">{a.error || a.response || ''}</code>)} />
      </DataTable>
    </Dialog>
  );
}

function ReplayFailedDialog({ webhookId, visible, onHide }: { webhookId: string; visible: boolean; onHide: () => void }) {
  const { t } = useTranslation();
  const [range, setRange] = useState<(Date | null)[] | null>(null);
  const replay = useReplayFailed();
  const fields = fieldErrors(replay.error);
  const other = replay.error && Object.keys(fields).length === 0
    ? (replay.error instanceof ApiError ? `${replay.error.message} (${replay.error.code})` : t('errors.network')) : '';
  const close = () => { replay.reset(); onHide(); };
  const from = range?.[0] ?? null;
  const to = range?.[1] ?? null;
  return (
    <Dialog header={t('webhooks.replayFailed')} visible={visible} onHide={close} style={{ width: 'min(440px, 95vw)' }}>
      <form noValidate onSubmit={(e) => {
        e.preventDefault();
        if (!from) return;
        // The end day counts whole: up to its last millisecond.
        const end = to ? new Date(to.getFullYear(), to.getMonth(), to.getDate(), 23, 59, 59, 999) : null;
        replay.mutate({ id: webhookId, from: from.toISOString(), ...(end ? { to: end.toISOString() } : {}) },
          { onSuccess: (r) => { toastSuccess(t('webhooks.replayedN', { count: r.replayed ?? 0 })); close(); } });
      }}>
        {other && <Notice severity="error" className="w-full mb-3" text={other} />}
        <div className="wq-field">
          <label htmlFor="wh-replay-range">{t('webhooks.range')}</label>
          <Calendar inputId="wh-replay-range" selectionMode="range" value={range} maxDate={new Date()} showIcon
            invalid={!!fields['from'] || !!fields['to']} onChange={(e) => setRange((e.value as (Date | null)[] | null) ?? null)} />
          {(fields['from'] || fields['to']) && <small className="p-error">{fields['from'] ?? fields['to']}</small>}
          <small className="wq-muted">{t('webhooks.rangeHelp')}</small>
        </div>
        <div className="flex justify-content-end gap-2">
          <Button type="button" text label={t('common.cancel')} onClick={close} />
          <Button type="submit" label={t('webhooks.replay')} disabled={!from} loading={replay.isPending} />
        </div>
      </form>
    </Dialog>
  );
}
