import { useTranslation } from 'react-i18next';
import { Dialog } from 'primereact/dialog';
import { Button } from 'primereact/button';
import { Tag } from 'primereact/tag';
import { Skeleton } from 'primereact/skeleton';
import { Message as Notice } from 'primereact/message';
import { useKeyImpact, type User, type UserChange } from '../api/users';
import { ApiError } from '@/lib/api/errors';

/** Confirms a role change, disabling or deleting a user, after showing which of the user's API keys it narrows or
 *  stops (the API's preview). */
export function ChangeDialog({ user, change, busy, onConfirm, onHide }: {
  user: User | null; change: UserChange | null; busy: boolean; onConfirm: () => void; onHide: () => void;
}) {
  const { t } = useTranslation();
  const impact = useKeyImpact(user?.id ?? null, change);
  const who = user?.name || user?.email || '';
  const question = !change ? '' : 'role' in change
    ? t('users.confirmRole', { user: who, role: t(`users.roles.${change.role}`) })
    : t(change.action === 'delete' ? 'users.confirmDelete' : 'users.confirmDisable', { user: who });
  const danger = !!change && 'action' in change;
  return (
    <Dialog header={t('users.confirmTitle')} visible={!!user && !!change} onHide={onHide} style={{ width: 'min(560px, 95vw)' }}>
      <p className="mt-0">{question}</p>
      <h3 className="text-base">{t('users.keyImpact')}</h3>
      {impact.isPending && <div aria-busy="true"><Skeleton height="2rem" className="mb-2" /><Skeleton height="2rem" /></div>}
      {impact.isError && <Notice severity="error" className="w-full" text={impact.error instanceof ApiError
        ? `${impact.error.message} (${impact.error.code})` : t('errors.network')} />}
      {impact.isSuccess && impact.data.length === 0 && <p className="wq-muted" data-testid="no-impact">{t('users.noImpact')}</p>}
      {impact.isSuccess && impact.data.length > 0 && (
        <ul className="wq-impact" data-testid="impact">
          {impact.data.map((k) => (
            <li key={k.id}>
              <strong>{k.name}</strong>{' '}
              <Tag severity={k.effect === 'stopped' ? 'danger' : 'warning'} value={t(`users.effect.${k.effect ?? 'narrowed'}`)} />
              {k.effect === 'narrowed' && !!k.lostScopes?.length && (
                <div className="wq-muted">{t('users.loses')} <span dir="ltr">{k.lostScopes.join(', ')}</span></div>
              )}
            </li>
          ))}
        </ul>
      )}
      <div className="flex justify-content-end gap-2 mt-3">
        <Button type="button" text label={t('common.cancel')} onClick={onHide} />
        <Button type="button" label={t('users.confirm')} severity={danger ? 'danger' : undefined} loading={busy}
          disabled={impact.isPending} onClick={onConfirm} />
      </div>
    </Dialog>
  );
}
