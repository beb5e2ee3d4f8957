import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from 'primereact/button';
import { Skeleton } from 'primereact/skeleton';
import { Message } from 'primereact/message';
import { ConfirmDialog } from 'primereact/confirmdialog';
import { useSessions } from '@/features/sessions/api/sessions';
import { SessionCard } from '@/features/sessions/components/SessionCard';
import { CreateSessionDialog } from '@/features/sessions/components/CreateSessionDialog';
import { ApiError } from '@/lib/api/errors';
import { useStartParam } from '@/lib/startParam';

export default function SessionsPage() {
  const { t } = useTranslation();
  const sessions = useSessions();
  const [creating, setCreating] = useState(false);
  // ?new=1 (the topbar's "New session"): the create dialog opens.
  useStartParam('new', () => setCreating(true));
  return (
    <section>
      <div className="wq-page-header">
        <h1>{t('sessions.title')}</h1>
        <Button icon="pi pi-plus" label={t('sessions.new')} onClick={() => setCreating(true)} />
      </div>
      {sessions.isPending && (
        <div className="wq-session-grid">
          <Skeleton height="160px" borderRadius="12px" />
          <Skeleton height="160px" borderRadius="12px" />
        </div>
      )}
      {sessions.isError && (
        <Message severity="error" className="w-full"
          text={sessions.error instanceof ApiError ? `${sessions.error.message} (${sessions.error.code})` : t('errors.network')} />
      )}
      {sessions.data?.length === 0 && <div className="wq-card wq-muted">{t('sessions.empty')}</div>}
      {!!sessions.data?.length && (
        <div className="wq-session-grid">
          {sessions.data.map((s) => <SessionCard key={s.id} session={s} />)}
        </div>
      )}
      <CreateSessionDialog visible={creating} onHide={() => setCreating(false)} />
      <ConfirmDialog />
    </section>
  );
}
