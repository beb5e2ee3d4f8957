import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DataTable } from 'primereact/datatable';
import { Column } from 'primereact/column';
import { Button } from 'primereact/button';
import { Tag } from 'primereact/tag';
import { InputSwitch } from 'primereact/inputswitch';
import { Dialog } from 'primereact/dialog';
import { Message as Notice } from 'primereact/message';
import { confirmDialog } from 'primereact/confirmdialog';
import { useDeleteWebhook, useRotateSecret, useTestWebhook, useUpdateWebhook, useWebhooks, type Webhook } from '../api/webhooks';
import { SecretShownOnce } from './SecretShownOnce';
import { ApiError } from '@/lib/api/errors';
import { toastSuccess } from '@/lib/toast';

type TestResult = { url: string; success?: boolean; message?: string; statusCode?: number; durationMs?: number; error?: string };

/** The endpoints: enabled switch, test, delivery log, edit, rotate secret, delete. */
export function WebhooksTable({ onEdit, onDeliveries, selectedId }: {
  onEdit: (w: Webhook) => void; onDeliveries: (w: Webhook) => void; selectedId: string | null;
}) {
  const { t } = useTranslation();
  const hooks = useWebhooks();
  const update = useUpdateWebhook();
  const del = useDeleteWebhook();
  const rotate = useRotateSecret();
  const test = useTestWebhook();
  const [result, setResult] = useState<TestResult | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  if (hooks.isError) {
    return <Notice severity="error" className="w-full" text={hooks.error instanceof ApiError
      ? `${hooks.error.message} (${hooks.error.code})` : t('errors.network')} />;
  }
  const runTest = (w: Webhook) => test.mutate(w.id ?? '', {
    onSuccess: (r) => setResult({ url: w.url ?? '', success: r.success, message: r.message, statusCode: r.attempt?.statusCode,
      durationMs: r.attempt?.durationMs, error: r.attempt?.error }),
  });
  return (
    <>
      <DataTable value={hooks.data ?? []} loading={hooks.isPending} dataKey="id" size="small" emptyMessage={t('webhooks.empty')}
        aria-label={t('webhooks.title')} className="wq-card p-0" rowClassName={(w: Webhook) => (w.id === selectedId ? 'wq-row-selected' : '')}>
        <Column header={t('webhooks.url')} body={(w: Webhook) => (
          <div>
            <bdi dir="ltr" className="wq-ltr wq-url">{w.url}</bdi>
            {w.description && <div className="wq-muted">{w.description}</div>}
          </div>)} />
        <Column header={t('webhooks.events')} body={(w: Webhook) => (
          <span dir="ltr">{(w.events ?? []).map((e) => (e === '*' ? t('webhooks.allEvents') : e)).join(', ')}</span>)} />
        <Column header={t('webhooks.state')} body={(w: Webhook) => (
          <div className="flex align-items-center gap-2">
            <InputSwitch checked={!!w.enabled} aria-label={t('webhooks.enabledFor', { url: w.url })}
              onChange={(e) => update.mutate({ id: w.id ?? '', body: { enabled: !!e.value } },
                { onSuccess: () => toastSuccess(e.value ? t('webhooks.enabledToast') : t('webhooks.disabledToast')) })} />
            {w.disabledReason && <Tag severity="danger" value={t(`webhooks.reason.${w.disabledReason}`)} />}
            {!w.disabledReason && w.failingSince && <Tag severity="warning" value={t('webhooks.failing')} />}
          </div>)} />
        <Column header={t('webhooks.actions')} body={(w: Webhook) => (
          <div className="flex flex-wrap gap-1">
            <Button size="small" outlined icon="pi pi-bolt" label={t('webhooks.test')} loading={test.isPending && test.variables === w.id}
              aria-label={t('webhooks.testFor', { url: w.url })} onClick={() => runTest(w)} />
            <Button size="small" outlined icon="pi pi-list" label={t('webhooks.deliveries')}
              aria-label={t('webhooks.deliveriesFor', { url: w.url })} onClick={() => onDeliveries(w)} />
            <Button size="small" text icon="pi pi-pencil" aria-label={t('webhooks.editFor', { url: w.url })} tooltip={t('webhooks.edit')}
              onClick={() => onEdit(w)} />
            <Button size="small" text icon="pi pi-refresh" aria-label={t('webhooks.rotateFor', { url: w.url })} tooltip={t('webhooks.rotate')}
              onClick={() => confirmDialog({
                message: t('webhooks.confirmRotate'), icon: 'pi pi-exclamation-triangle', acceptLabel: t('webhooks.rotate'),
                rejectLabel: t('common.cancel'),
                accept: () => rotate.mutate(w.id ?? '', { onSuccess: (r) => setSecret(r.secret ?? '') }),
              })} />
            <Button size="small" text severity="danger" icon="pi pi-trash" aria-label={t('webhooks.deleteFor', { url: w.url })}
              tooltip={t('webhooks.delete')} onClick={() => confirmDialog({
                message: t('webhooks.confirmDelete', { url: w.url }), icon: 'pi pi-exclamation-triangle',
                acceptLabel: t('webhooks.delete'), rejectLabel: t('common.cancel'), acceptClassName: 'p-button-danger',
                accept: () => del.mutate(w.id ?? '', { onSuccess: () => toastSuccess(t('webhooks.deleted')) }),
              })} />
          </div>)} />
      </DataTable>
      <Dialog header={t('webhooks.testResult')} visible={!!result} onHide={() => setResult(null)} style={{ width: 'min(480px, 95vw)' }}>
        {result && (
          <div data-testid="test-result">
            <Notice severity={result.success ? 'success' : 'error'} className="w-full mb-3"
              text={result.success ? t('webhooks.testOk') : t('webhooks.testFailed')} />
            <dl className="wq-dl">
              <dt>{t('webhooks.url')}</dt><dd><bdi dir="ltr">{result.url}</bdi></dd>
              <dt>{t('webhooks.httpCode')}</dt><dd>{result.statusCode || '—'}</dd>
              <dt>{t('webhooks.responseTime')}</dt><dd>{result.durationMs != null ? t('webhooks.ms', { ms: result.durationMs }) : '—'}</dd>
              {(result.error || result.message) && <><dt>{t('webhooks.detail')}</dt><dd dir="ltr">{result.error || result.message}</dd></>}
            </dl>
          </div>
        )}
      </Dialog>
      <Dialog header={t('webhooks.newSecret')} visible={secret !== null} onHide={() => setSecret(null)} style={{ width: 'min(480px, 95vw)' }}>
        {secret && <SecretShownOnce secret={secret} onDone={() => setSecret(null)} />}
      </Dialog>
    </>
  );
}
