import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { Button } from 'primereact/button';
import { Tag } from 'primereact/tag';
import { confirmDialog } from 'primereact/confirmdialog';
import { StatusTag } from './StatusTag';
import { SessionQR } from './SessionQR';
import { PairingDialog } from './PairingDialog';
import { SessionStats } from './SessionStats';
import { useClientInfo, useDeleteSession, useSessionAction, type WhatsAppSession } from '../api/sessions';
import { toastSuccess } from '@/lib/toast';

export function SessionCard({ session }: { session: WhatsAppSession }) {
  const { t } = useTranslation();
  const del = useDeleteSession();
  const action = useSessionAction();
  const id = session.id ?? '';
  const name = session.name ?? '';
  const account = session.account?.phoneNumber ? '+' + session.account.phoneNumber : '';
  const client = useClientInfo(session);
  const [pairing, setPairing] = useState(false);
  const queued = () => toastSuccess(t('sessions.queued'));
  const linked = session.status === 'ready' || session.status === 'reconnecting' || session.status === 'connecting';
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
      {client.data && (
        <dl className="wq-client-info" aria-label={t('sessions.clientInfo')}>
          {client.data.platform && <><dt>{t('sessions.platform')}</dt><dd dir="ltr">{client.data.platform}</dd></>}
          {client.data.name && <><dt>{t('sessions.pushName')}</dt><dd><bdi>{client.data.name}</bdi></dd></>}
          {client.data.lid && <><dt>{t('sessions.lid')}</dt><dd dir="ltr" className="wq-ltr">{client.data.lid}</dd></>}
        </dl>
      )}
      {session.reason && <p className="wq-muted m-0 mt-2">{session.reason}</p>}
      {/* Counters once the session was paired (an unpaired one has sent and received nothing). */}
      <SessionStats id={id} enabled={!!session.account} />
      {session.account && (
        <p className="m-0 mt-2"><Link to={`/messages/chat?session=${encodeURIComponent(id)}`}>{t('chat.ofSession')}</Link></p>
      )}
      {session.status === 'qr' && (
        <>
          <SessionQR id={id} name={name} />
          <div className="flex justify-content-center">
            <Button size="small" text icon="pi pi-phone" label={t('sessions.pairByPhone')} onClick={() => setPairing(true)} />
          </div>
        </>
      )}
      {/* Outside the QR block: asking a code changes the status, and the code must stay on screen. */}
      <PairingDialog id={id} name={name} visible={pairing} onHide={() => setPairing(false)} />
      <div className="wq-session-actions">
        <Button size="small" outlined icon="pi pi-refresh" label={t('sessions.restart')} loading={action.isPending && action.variables?.action === 'restart'}
          onClick={() => confirmDialog({
            message: t('sessions.confirmRestart', { name }), icon: 'pi pi-question-circle',
            acceptLabel: t('sessions.restart'), rejectLabel: t('common.cancel'),
            accept: () => action.mutate({ id, action: 'restart' }, { onSuccess: queued }),
          })} />
        <Button size="small" outlined severity="secondary" icon="pi pi-stop-circle" label={t('sessions.stop')}
          disabled={!linked} loading={action.isPending && action.variables?.action === 'stop'}
          onClick={() => confirmDialog({
            message: t('sessions.confirmStop', { name }), icon: 'pi pi-exclamation-triangle',
            acceptLabel: t('sessions.stop'), rejectLabel: t('common.cancel'),
            accept: () => action.mutate({ id, action: 'stop' }, { onSuccess: queued }),
          })} />
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
