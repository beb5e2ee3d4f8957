import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DataTable } from 'primereact/datatable';
import { Column } from 'primereact/column';
import { Button } from 'primereact/button';
import { Tag } from 'primereact/tag';
import { Message as Notice } from 'primereact/message';
import { confirmDialog } from 'primereact/confirmdialog';
import { useKeys, useRevokeKey, type ApiKey } from '../api/keys';
import { ApiError } from '@/lib/api/errors';
import { toastSuccess } from '@/lib/toast';
import { EditKeyDialog } from './EditKeyDialog';

export function KeysTable() {
  const { t, i18n } = useTranslation();
  const keys = useKeys();
  const revoke = useRevokeKey();
  const [editing, setEditing] = useState<ApiKey | null>(null);
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
  const when = (s: string | null | undefined) => (s ? date.format(new Date(s)) : '—');
  if (keys.isError) {
    return <Notice severity="error" className="w-full" text={keys.error instanceof ApiError
      ? `${keys.error.message} (${keys.error.code})` : t('errors.network')} />;
  }
  return (
    <>
    {/* Keyed by the language: PrimeReact keeps rendered cells while the rows are the same, so a language switch
        would leave the buttons in the old language. */}
    <DataTable key={i18n.language} value={keys.data ?? []} loading={keys.isPending} dataKey="id" size="small" emptyMessage={t('keys.empty')}
      aria-label={t('keys.title')} className="wq-card p-0">
      <Column header={t('keys.name')} field="name" />
      <Column header={t('keys.hint')} body={(k: ApiKey) => <bdi dir="ltr" className="wq-ltr">{k.hint}…</bdi>} />
      <Column header={t('keys.scopes')} body={(k: ApiKey) => (
        <div className="flex flex-column gap-1 align-items-start">
          <span dir="ltr">{(k.scopes ?? []).join(', ')}</span>
          {k.effect && (
            <span className="flex align-items-center gap-2 flex-wrap">
              <Tag value={t(k.effect === 'stopped' ? 'keys.stopped' : 'keys.narrowed')}
                severity={k.effect === 'stopped' ? 'danger' : 'warning'} />
              <small className="wq-muted">
                {k.effect === 'stopped' ? t('keys.stoppedHelp')
                  : <>{t('keys.narrowedHelp')} <bdi dir="ltr">{(k.lostScopes ?? []).join(', ')}</bdi></>}
              </small>
            </span>
          )}
        </div>
      )} />
      <Column header={t('keys.created')} body={(k: ApiKey) => when(k.createdAt)} />
      <Column header={t('keys.lastUsed')} body={(k: ApiKey) => when(k.lastUsedAt)} />
      <Column body={(k: ApiKey) => k.revokedAt
        ? <Tag value={t('keys.revoked')} severity="danger" />
        : <div className="flex gap-2">
            <Button size="small" outlined icon="pi pi-pencil" label={t('keys.edit')}
              aria-label={t('keys.editNamed', { name: k.name })} onClick={() => setEditing(k)} />
            <Button size="small" outlined severity="danger" icon="pi pi-ban" label={t('keys.revoke')}
              onClick={() => confirmDialog({
                message: t('keys.confirmRevoke', { name: k.name }), icon: 'pi pi-exclamation-triangle',
                acceptLabel: t('keys.revoke'), rejectLabel: t('common.cancel'), acceptClassName: 'p-button-danger',
                accept: () => revoke.mutate(k.id ?? '', { onSuccess: () => toastSuccess(t('keys.revokedToast')) }),
              })} />
          </div>} />
    </DataTable>
    <EditKeyDialog apiKey={editing} onHide={() => setEditing(null)} />
    </>
  );
}
