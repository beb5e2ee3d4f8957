import { useTranslation } from 'react-i18next';
import { Button } from 'primereact/button';
import { Tag } from 'primereact/tag';
import { confirmDialog } from 'primereact/confirmdialog';
import { StatusTag } from './StatusTag';
import { SessionQR } from './SessionQR';
import { useDeleteSession, useSessionAction, type WhatsAppSession } from '../api/sessions';
import { toastSuccess } from '@/lib/toast';

export function SessionCard({ session }: { session: WhatsAppSession }) {
  const { t } = useTranslation();
  const del = useDeleteSession();
  const action = useSessionAction();
  const id = session.id ?? '';
  const name = session.name ?? '';
  const account = session.account?.phoneNumber ? '+' + session.account.phoneNumber : '';
  return (
    <article className="wq-card wq-session-card" aria-label={name} data-session-id={id}>
      <header>
        <h2>{name}</h2>
        <div className="flex gap-2 align-items-center">
          {session.default && <Tag value={t('sessions.default')} severity="secondary" />}
          <StatusTag status={session.status} />
        </div>
      </header>
      {account && (
        <p className="m-0 mt-2">
          <span className="wq-muted">{t('sessions.account')}: </span>
          <bdi dir="ltr" className="wq-ltr">{account}</bdi>
          {session.account?.name ? ` (${session.account.name})` : ''}
        </p>
      )}
      {session.reason && <p className="wq-muted m-0 mt-2">{session.reason}</p>}
      {session.status === 'qr' && <SessionQR id={id} name={name} />}
      <div className="wq-session-actions">
        <Button size="small" outlined icon="pi pi-refresh" label={t('sessions.restart')} loading={action.isPending && action.variables?.action === 'restart'}
          onClick={() => action.mutate({ id, action: 'restart' }, { onSuccess: () => toastSuccess(t('sessions.queued')) })} />
        <Button size="small" outlined severity="warning" icon="pi pi-sign-out" label={t('sessions.logout')}
          disabled={session.status !== 'ready'}
          onClick={() => confirmDialog({
            message: t('sessions.confirmLogout', { name }), icon: 'pi pi-exclamation-triangle',
            acceptLabel: t('sessions.logout'), rejectLabel: t('common.cancel'),
            accept: () => action.mutate({ id, action: 'logout' }, { onSuccess: () => toastSuccess(t('sessions.queued')) }),
          })} />
        <Button size="small" outlined severity="danger" icon="pi pi-trash" label={t('sessions.delete')} loading={del.isPending}
          onClick={() => confirmDialog({
            message: t('sessions.confirmDelete', { name }), icon: 'pi pi-exclamation-triangle',
            acceptLabel: t('sessions.delete'), rejectLabel: t('common.cancel'), acceptClassName: 'p-button-danger',
            accept: () => del.mutate(id, { onSuccess: () => toastSuccess(t('sessions.deleted')) }),
          })} />
      </div>
    </article>
  );
}
