import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from 'primereact/button';
import { ConfirmDialog } from 'primereact/confirmdialog';
import { KeysTable } from '@/features/keys/components/KeysTable';
import { CreateKeyDialog } from '@/features/keys/components/CreateKeyDialog';

export default function ApiKeysPage() {
  const { t } = useTranslation();
  const [creating, setCreating] = useState(false);
  return (
    <section>
      <div className="wq-page-header">
        <h1>{t('keys.title')}</h1>
        <Button icon="pi pi-plus" label={t('keys.new')} onClick={() => setCreating(true)} />
      </div>
      <KeysTable />
      <CreateKeyDialog visible={creating} onHide={() => setCreating(false)} />
      <ConfirmDialog />
    </section>
  );
}
