import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from 'primereact/button';
import { ConfirmDialog } from 'primereact/confirmdialog';
import { WebhooksTable } from '@/features/webhooks/components/WebhooksTable';
import { WebhookDialog } from '@/features/webhooks/components/WebhookDialog';
import { DeliveryLog } from '@/features/webhooks/components/DeliveryLog';
import { useWebhooks, type Webhook } from '@/features/webhooks/api/webhooks';
import { useStartParam } from '@/lib/startParam';

export default function WebhooksPage() {
  const { t } = useTranslation();
  const [editing, setEditing] = useState<Webhook | null | undefined>(undefined);
  const [logId, setLogId] = useState<string | null>(null);
  const hooks = useWebhooks();
  // ?new=1 (the topbar's "New webhook"): the create dialog opens.
  useStartParam('new', () => setEditing(null));
  const logged = hooks.data?.find((w) => w.id === logId) ?? null;
  return (
    <section>
      <div className="wq-page-header">
        <h1>{t('webhooks.title')}</h1>
        <Button icon="pi pi-plus" label={t('webhooks.new')} onClick={() => setEditing(null)} />
      </div>
      <WebhooksTable onEdit={(w) => setEditing(w)} onDeliveries={(w) => setLogId(w.id ?? null)} selectedId={logId} />
      {logged && <DeliveryLog key={logged.id} webhook={logged} onClose={() => setLogId(null)} />}
      <WebhookDialog visible={editing !== undefined} webhook={editing ?? null} onHide={() => setEditing(undefined)} />
      <ConfirmDialog />
    </section>
  );
}
