import { useTranslation } from 'react-i18next';
import { DataTable } from 'primereact/datatable';
import { Column } from 'primereact/column';
import { Button } from 'primereact/button';
import { Tag } from 'primereact/tag';
import { Skeleton } from 'primereact/skeleton';
import { Message as Notice } from 'primereact/message';
import { ApiError } from '@/lib/api/errors';
import { useMyActivity, type ActivityEntry } from '../api/profile';

/** The icon of an activity type: its first part (apikey, user, …). */
export function activityIcon(type: string | undefined): string {
  switch ((type ?? '').split('.')[0]) {
    case 'apikey': return 'pi pi-key';
    case 'user': return type === 'user.logged-in' ? 'pi pi-sign-in' : 'pi pi-user-edit';
    default: return 'pi pi-history';
  }
}

export function ActivityList({ userId }: { userId: string }) {
  const { t, i18n } = useTranslation();
  const q = useMyActivity(userId);
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'medium' });
  const rows = q.data?.pages.flatMap((p) => p.data ?? []) ?? [];
  return (
    <section className="wq-card" aria-labelledby="profile-activity">
      <h2 id="profile-activity" className="mt-0">{t('profile.activity')}</h2>
      {q.isError && <Notice severity="error" className="w-full mb-3" text={q.error instanceof ApiError
        ? `${q.error.message} (${q.error.code})` : t('errors.network')} />}
      {q.isPending ? (
        <div className="flex flex-column gap-2" role="status" aria-busy="true" aria-label={t('common.loading')}>
          {[0, 1, 2, 3].map((i) => <Skeleton key={i} height="2rem" />)}
        </div>
      ) : (
        <DataTable value={rows} dataKey="id" size="small" emptyMessage={t('profile.noActivity')} aria-label={t('profile.activity')}>
          <Column header={t('profile.when')} body={(e: ActivityEntry) => (e.time ? date.format(new Date(e.time)) : '')} />
          <Column header={t('profile.what')} body={(e: ActivityEntry) => (
            <span className="flex align-items-center gap-2">
              <i className={activityIcon(e.type)} aria-hidden="true" />
              <Tag value={e.type} severity="info" className="wq-ltr" />
            </span>
          )} />
        </DataTable>
      )}
      {q.hasNextPage && (
        <Button text icon="pi pi-angle-down" label={t('profile.more')} className="mt-2" loading={q.isFetchingNextPage}
          onClick={() => void q.fetchNextPage()} />
      )}
    </section>
  );
}
