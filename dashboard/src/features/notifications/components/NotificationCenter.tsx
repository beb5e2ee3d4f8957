import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from 'primereact/button';
import { SelectButton } from 'primereact/selectbutton';
import { Skeleton } from 'primereact/skeleton';
import { Message as Notice } from 'primereact/message';
import { useMarkAllRead, useNotificationPages, type NotificationFilter } from '../api/notifications';
import { NotificationItem } from './NotificationItem';
import { ApiError } from '@/lib/api/errors';

export const pageSize = 20;

/** Every notification of the user: all or unread, 20 at a time through the API's cursor. */
export function NotificationCenter() {
  const { t } = useTranslation();
  const [filter, setFilter] = useState<NotificationFilter>('all');
  const pages = useNotificationPages(filter, pageSize);
  const markAll = useMarkAllRead();
  const list = pages.data?.pages.flatMap((p) => p.data ?? []) ?? [];
  const unread = pages.data?.pages[0]?.unread ?? 0;
  return (
    <div className="wq-card">
      <div className="flex flex-wrap align-items-center justify-content-between gap-2 mb-3">
        <SelectButton value={filter} allowEmpty={false} onChange={(e) => setFilter(e.value as NotificationFilter)}
          options={[{ label: t('notifications.all'), value: 'all' }, { label: t('notifications.unreadCount', { count: unread }), value: 'unread' }]}
          aria-label={t('notifications.filter')} />
        <Button outlined icon="pi pi-check-square" label={t('notifications.markAllRead')} disabled={unread === 0}
          loading={markAll.isPending} onClick={() => markAll.mutate()} />
      </div>
      {pages.isPending && <div aria-busy="true">{[0, 1, 2].map((i) => <Skeleton key={i} height="3.5rem" className="mb-2" />)}</div>}
      {pages.isError && <Notice severity="error" className="w-full" text={pages.error instanceof ApiError
        ? `${pages.error.message} (${pages.error.code})` : t('errors.network')} />}
      {pages.isSuccess && list.length === 0 && (
        <p className="wq-muted">{filter === 'unread' ? t('notifications.emptyUnread') : t('notifications.empty')}</p>
      )}
      {list.length > 0 && <ul className="wq-notification-list">{list.map((n) => <NotificationItem key={n.id} n={n} />)}</ul>}
      {pages.hasNextPage && (
        <div className="flex justify-content-center mt-3">
          <Button outlined label={t('notifications.more')} loading={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()} />
        </div>
      )}
    </div>
  );
}
