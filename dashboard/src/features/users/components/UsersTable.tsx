import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DataTable } from 'primereact/datatable';
import { Column } from 'primereact/column';
import { Dropdown } from 'primereact/dropdown';
import { Button } from 'primereact/button';
import { Tag } from 'primereact/tag';
import { Message as Notice } from 'primereact/message';
import { confirmDialog } from 'primereact/confirmdialog';
import { roles, useDeleteUser, useLogoutEverywhere, useUpdateUser, useUsers, type Role, type User, type UserChange } from '../api/users';
import { ChangeDialog } from './ChangeDialog';
import { ApiError } from '@/lib/api/errors';
import { toastSuccess } from '@/lib/toast';

/** The tenant's users: role (changed after a key-impact preview), enable/disable, delete, log out everywhere. */
export function UsersTable({ meId, myRole }: { meId: string; myRole: Role | undefined }) {
  const { t, i18n } = useTranslation();
  const users = useUsers();
  const update = useUpdateUser();
  const del = useDeleteUser();
  const logout = useLogoutEverywhere();
  const [pending, setPending] = useState<{ user: User; change: UserChange } | null>(null);
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium' });
  const isOwner = myRole === 'owner';
  if (users.isError) {
    return <Notice severity="error" className="w-full" text={users.error instanceof ApiError
      ? `${users.error.message} (${users.error.code})` : t('errors.network')} />;
  }
  const confirm = () => {
    if (!pending) return;
    const { user, change } = pending;
    const id = user.id ?? '';
    const done = (msg: string) => () => { toastSuccess(msg); setPending(null); };
    if ('role' in change) update.mutate({ id, body: { role: change.role } }, { onSuccess: done(t('users.roleChanged')) });
    else if (change.action === 'disable') update.mutate({ id, body: { disabled: true } }, { onSuccess: done(t('users.disabledToast')) });
    else del.mutate(id, { onSuccess: done(t('users.deleted')) });
  };
  // Only an owner may change an owner or grant the owner role (the API says so too).
  const locked = (u: User) => u.role === 'owner' && !isOwner;
  return (
    <>
      <DataTable value={users.data ?? []} loading={users.isPending} dataKey="id" size="small" emptyMessage={t('users.empty')}
        aria-label={t('users.title')} className="wq-card p-0">
        <Column header={t('users.user')} body={(u: User) => (
          <div>
            <div>{u.name || '—'} {u.id === meId && <Tag value={t('users.you')} severity="info" />}</div>
            <bdi dir="ltr" className="wq-muted">{u.email}</bdi>
          </div>)} />
        <Column header={t('users.role')} body={(u: User) => (
          <Dropdown value={u.role} disabled={locked(u) || u.id === meId} ariaLabel={t('users.roleOf', { user: u.email })}
            options={roles.filter((r) => isOwner || r !== 'owner' || u.role === 'owner').map((r) => ({ label: t(`users.roles.${r}`), value: r }))}
            onChange={(e) => e.value !== u.role && setPending({ user: u, change: { role: e.value as Role } })} />)} />
        <Column header={t('users.status')} body={(u: User) => (u.disabled
          ? <Tag severity="danger" value={t('users.disabled')} /> : <Tag severity="success" value={t('users.active')} />)} />
        <Column header={t('users.createdAt')} body={(u: User) => (u.createdAt ? date.format(new Date(u.createdAt)) : '—')} />
        <Column header={t('users.actions')} body={(u: User) => (
          <div className="flex flex-wrap gap-1">
            {u.disabled
              ? <Button size="small" outlined icon="pi pi-check" label={t('users.enable')} disabled={locked(u)}
                  onClick={() => update.mutate({ id: u.id ?? '', body: { disabled: false } }, { onSuccess: () => toastSuccess(t('users.enabledToast')) })} />
              : <Button size="small" outlined icon="pi pi-ban" label={t('users.disable')} disabled={locked(u) || u.id === meId}
                  onClick={() => setPending({ user: u, change: { action: 'disable' } })} />}
            <Button size="small" text icon="pi pi-sign-out" label={t('users.logoutAll')} disabled={locked(u)}
              onClick={() => confirmDialog({
                message: t('users.confirmLogoutAll', { user: u.email }), icon: 'pi pi-exclamation-triangle',
                acceptLabel: t('users.logoutAll'), rejectLabel: t('common.cancel'),
                accept: () => logout.mutate(u.id ?? '', { onSuccess: () => toastSuccess(t('users.loggedOut')) }),
              })} />
            <Button size="small" text severity="danger" icon="pi pi-trash" aria-label={t('users.deleteUser', { user: u.email })}
              tooltip={t('users.delete')} disabled={locked(u) || u.id === meId}
              onClick={() => setPending({ user: u, change: { action: 'delete' } })} />
          </div>)} />
      </DataTable>
      <ChangeDialog user={pending?.user ?? null} change={pending?.change ?? null} busy={update.isPending || del.isPending}
        onConfirm={confirm} onHide={() => setPending(null)} />
    </>
  );
}
