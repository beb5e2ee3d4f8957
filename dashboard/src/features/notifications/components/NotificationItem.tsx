import { useTranslation } from 'react-i18next';
import { Button } from 'primereact/button';
import type { Notification } from '../api/notifications';
import { useDeleteNotification, useMarkRead } from '../api/notifications';

const typeIcons: Record<string, string> = {
  info: 'pi pi-info-circle', success: 'pi pi-check-circle', warning: 'pi pi-exclamation-triangle', error: 'pi pi-times-circle',
};

/** The notification's own PrimeIcons icon when it names one, else its type's. */
export function iconOf(n: Notification): string {
  if (n.icon && /^pi pi-[a-z0-9-]+$/.test(n.icon)) return n.icon;
  return typeIcons[n.type ?? 'info'] ?? typeIcons['info']!;
}

const units: [Intl.RelativeTimeFormatUnit, number][] = [['year', 31536000], ['month', 2592000], ['week', 604800],
  ['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]];

/** "5 minutes ago", in the language given. */
export function timeAgo(iso: string | undefined, lng: string, now = Date.now()): string {
  if (!iso) return '';
  const secs = Math.round((new Date(iso).getTime() - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(lng, { numeric: 'auto' });
  for (const [unit, size] of units) {
    if (Math.abs(secs) >= size || unit === 'second') return rtf.format(Math.trunc(secs / size), unit);
  }
  return '';
}

export function NotificationItem({ n, compact = false }: { n: Notification; compact?: boolean }) {
  const { t, i18n } = useTranslation();
  const markRead = useMarkRead();
  const del = useDeleteNotification();
  const id = n.id ?? '';
  return (
    <li className={'wq-notification' + (n.read ? '' : ' unread') + (compact ? ' compact' : '')} data-type={n.type}>
      <i className={iconOf(n) + ' wq-notification-icon'} aria-hidden="true" />
      <div className="wq-notification-body">
        <div className="wq-notification-title">
          {!n.read && <span className="wq-unread-dot" role="img" aria-label={t('notifications.unreadMark')} />}
          <strong>{n.title}</strong>
        </div>
        {n.message && <div className="wq-notification-message">{n.message}</div>}
        <time className="wq-muted" dateTime={n.createdAt}>{timeAgo(n.createdAt, i18n.language)}</time>
      </div>
      <div className="wq-notification-actions">
        {!n.read && <Button rounded text size="small" icon="pi pi-check" aria-label={t('notifications.markRead', { title: n.title })}
          tooltip={t('notifications.markReadShort')} loading={markRead.isPending} onClick={() => markRead.mutate(id)} />}
        <Button rounded text size="small" severity="danger" icon="pi pi-trash" aria-label={t('notifications.delete', { title: n.title })}
          tooltip={t('notifications.deleteShort')} loading={del.isPending} onClick={() => del.mutate(id)} />
      </div>
    </li>
  );
}
