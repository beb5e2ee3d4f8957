import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from 'primereact/dialog';
import { InputText } from 'primereact/inputtext';
import { InputTextarea } from 'primereact/inputtextarea';
import { MultiSelect } from 'primereact/multiselect';
import { InputSwitch } from 'primereact/inputswitch';
import { Button } from 'primereact/button';
import { Message as Notice } from 'primereact/message';
import { useCreateWebhook, useUpdateWebhook, useWebhookEvents, type Webhook, type WebhookEventName, type WebhookInput } from '../api/webhooks';
import { ApiError, fieldErrors } from '@/lib/api/errors';
import { toastSuccess } from '@/lib/toast';
import { SecretShownOnce } from './SecretShownOnce';

interface HeaderRow { name: string; value: string }

/** Creates an endpoint (its secret shown this once) or edits one. `webhook` null creates. */
export function WebhookDialog({ visible, webhook, onHide }: { visible: boolean; webhook: Webhook | null; onHide: () => void }) {
  const { t } = useTranslation();
  const events = useWebhookEvents();
  const create = useCreateWebhook();
  const update = useUpdateWebhook();
  const m = webhook ? update : create;
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [selected, setSelected] = useState<WebhookEventName[]>([]);
  const [enabled, setEnabled] = useState(true);
  const [headers, setHeaders] = useState<HeaderRow[]>([]);
  const [customSecret, setCustomSecret] = useState('');
  useEffect(() => {
    if (!visible) return;
    setUrl(webhook?.url ?? '');
    setDescription(webhook?.description ?? '');
    setSelected(webhook?.events ?? []);
    setEnabled(webhook?.enabled ?? true);
    setHeaders(Object.entries(webhook?.headers ?? {}).map(([name, value]) => ({ name, value })));
    setCustomSecret('');
  }, [visible, webhook]);
  const fields = fieldErrors(m.error);
  const headerErrors = Object.entries(fields).filter(([k]) => k.startsWith('headers'));
  const shown = ['url', 'events', 'description', 'enabled', 'secret'];
  const rest = Object.entries(fields).filter(([k]) => !shown.includes(k) && !k.startsWith('headers'));
  const other = m.error && Object.keys(fields).length === 0
    ? (m.error instanceof ApiError ? `${m.error.message} (${m.error.code})` : t('errors.network')) : '';
  const close = () => { create.reset(); update.reset(); onHide(); };
  const secret = create.data?.webhook?.secret;
  const submit = () => {
    const body: WebhookInput = { url, description, events: selected, enabled,
      headers: Object.fromEntries(headers.filter((h) => h.name.trim() !== '').map((h) => [h.name.trim(), h.value])) };
    if (webhook) update.mutate({ id: webhook.id ?? '', body }, { onSuccess: () => { toastSuccess(t('webhooks.saved')); close(); } });
    else create.mutate({ ...body, ...(customSecret ? { secret: customSecret } : {}) });
  };
  const options = (events.data ?? []).map((e) => ({ label: e.name === '*' ? t('webhooks.allEvents') : e.name, value: e.name, title: e.description }));
  return (
    <Dialog header={webhook ? t('webhooks.edit') : t('webhooks.new')} visible={visible} onHide={close} style={{ width: 'min(640px, 95vw)' }}>
      {secret ? (
        <SecretShownOnce secret={secret} onDone={close} />
      ) : (
        <form noValidate onSubmit={(e) => { e.preventDefault(); submit(); }}>
          {other && <Notice severity="error" className="w-full mb-3" text={other} />}
          {rest.map(([k, v]) => <Notice key={k} severity="error" className="w-full mb-3" text={`${k}: ${v}`} />)}
          <div className="wq-field">
            <label htmlFor="wh-url">{t('webhooks.url')}</label>
            <InputText id="wh-url" dir="ltr" type="url" value={url} invalid={!!fields['url']} placeholder="https://example.com/hooks/waqtor"
              onChange={(e) => setUrl(e.target.value)} />
            {fields['url'] && <small className="p-error">{fields['url']}</small>}
          </div>
          <div className="wq-field">
            <label htmlFor="wh-events">{t('webhooks.events')}</label>
            <MultiSelect inputId="wh-events" value={selected} options={options} display="chip" filter loading={events.isPending}
              invalid={!!fields['events']} placeholder={t('webhooks.chooseEvents')} onChange={(e) => setSelected(e.value as WebhookEventName[])}
              itemTemplate={(o: { label: string; title?: string }) => <span title={o.title}>{o.label}</span>} />
            {fields['events'] && <small className="p-error">{fields['events']}</small>}
          </div>
          <div className="wq-field">
            <label htmlFor="wh-description">{t('webhooks.description')}</label>
            <InputTextarea id="wh-description" rows={2} autoResize value={description} invalid={!!fields['description']}
              onChange={(e) => setDescription(e.target.value)} />
            {fields['description'] && <small className="p-error">{fields['description']}</small>}
          </div>
          {!webhook && (
            <div className="wq-field">
              <label htmlFor="wh-custom-secret">{t('webhooks.customSecret')}</label>
              <InputText id="wh-custom-secret" dir="ltr" autoComplete="off" value={customSecret} invalid={!!fields['secret']}
                onChange={(e) => setCustomSecret(e.target.value)} />
              {fields['secret'] ? <small className="p-error">{fields['secret']}</small>
                : <small className="wq-muted">{t('webhooks.customSecretHelp')}</small>}
            </div>
          )}
          <fieldset className="wq-fieldset">
            <legend>{t('webhooks.headers')}</legend>
            <p className="wq-muted mt-0">{t('webhooks.headersHelp')}</p>
            {headers.map((h, i) => (
              <div key={i} className="flex gap-2 mb-2">
                <InputText dir="ltr" aria-label={t('webhooks.headerName', { n: i + 1 })} placeholder="X-Api-Token" value={h.name} className="flex-1"
                  onChange={(e) => setHeaders(headers.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)))} />
                <InputText dir="ltr" aria-label={t('webhooks.headerValue', { n: i + 1 })} value={h.value} className="flex-1"
                  onChange={(e) => setHeaders(headers.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))} />
                <Button type="button" text severity="danger" icon="pi pi-times" aria-label={t('webhooks.removeHeader', { n: i + 1 })}
                  onClick={() => setHeaders(headers.filter((_, j) => j !== i))} />
              </div>
            ))}
            {headerErrors.map(([k, v]) => <small key={k} className="p-error block">{`${k}: ${v}`}</small>)}
            <Button type="button" text icon="pi pi-plus" label={t('webhooks.addHeader')} onClick={() => setHeaders([...headers, { name: '', value: '' }])} />
          </fieldset>
          <div className="wq-field-inline">
            <InputSwitch inputId="wh-enabled" checked={enabled} onChange={(e) => setEnabled(!!e.value)} />
            <label htmlFor="wh-enabled">{t('webhooks.enabled')}</label>
          </div>
          <div className="flex justify-content-end gap-2">
            <Button type="button" text label={t('common.cancel')} onClick={close} />
            <Button type="submit" label={webhook ? t('webhooks.save') : t('webhooks.create')} loading={m.isPending} />
          </div>
        </form>
      )}
    </Dialog>
  );
}
