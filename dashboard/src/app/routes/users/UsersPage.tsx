import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from 'primereact/button';
import { ConfirmDialog } from 'primereact/confirmdialog';
import { UsersTable } from '@/features/users/components/UsersTable';
import { CreateUserDialog } from '@/features/users/components/CreateUserDialog';
import { useAuth } from '@/stores/auth';

export default function UsersPage() {
  const { t } = useTranslation();
  const me = useAuth((s) => s.user);
  const [creating, setCreating] = useState(false);
  return (
    <section>
      <div className="wq-page-header">
        <h1>{t('users.title')}</h1>
        <Button icon="pi pi-user-plus" label={t('users.new')} onClick={() => setCreating(true)} />
      </div>
      <UsersTable meId={me?.id ?? ''} myRole={me?.role} />
      <CreateUserDialog visible={creating} onHide={() => setCreating(false)} canGrantOwner={me?.role === 'owner'} />
      <ConfirmDialog />
    </section>
  );
}
