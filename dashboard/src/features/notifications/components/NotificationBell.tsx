import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { Button } from 'primereact/button';
import { Badge } from 'primereact/badge';
import { OverlayPanel } from 'primereact/overlaypanel';
import { InputSwitch } from 'primereact/inputswitch';
import { Skeleton } from 'primereact/skeleton';
import { useArrivals, useMarkAllRead, useNotificationPages, useUnreadCount } from '../api/notifications';
import { NotificationItem } from './NotificationItem';
import { useUI } from '@/stores/ui';

/** The topbar's bell: the unread count as a badge (live), and a dropdown with the latest notifications. */
export function NotificationBell() {
  const { t } = useTranslation();
  const panel = useRef<OverlayPanel>(null);
  const count = useUnreadCount();
  const unread = count.data ?? 0;
  const [open, setOpen] = useState(false);
  const arrivals = useArrivals((s) => s.count);
  const [ringing, setRinging] = useState(false);
  useEffect(() => {
    if (arrivals > 0) setRinging(true);
  }, [arrivals]);
  const label = unread > 0 ? t('notifications.bellUnread', { count: unread }) : t('notifications.bell');
  return (
    <>
      <span className={'wq-bell' + (ringing ? ' ringing' : '')} onAnimationEnd={() => setRinging(false)} data-testid="bell">
        <Button rounded text icon="pi pi-bell" aria-label={label} aria-haspopup="dialog" aria-expanded={open}
          aria-controls="wq-notification-panel" onClick={(e) => panel.current?.toggle(e)} />
        {unread > 0 && <Badge value={unread > 99 ? '99+' : unread} severity="danger" className="wq-bell-badge" aria-hidden="true" />}
      </span>
      <span className="wq-sr-only" aria-live="polite">{unread > 0 ? label : ''}</span>
      <OverlayPanel ref={panel} id="wq-notification-panel" className="wq-notification-panel" onShow={() => setOpen(true)}
        onHide={() => setOpen(false)} aria-label={t('notifications.title')}>
        {open && <BellPanel onNavigate={() => panel.current?.hide()} />}
      </OverlayPanel>
    </>
  );
}

function BellPanel({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation();
  const pages = useNotificationPages('all', 8);
  const markAll = useMarkAllRead();
  const { notificationSound, notificationDesktop, setNotificationSound, setNotificationDesktop } = useUI();
  const list = pages.data?.pages.flatMap((p) => p.data ?? []) ?? [];
  const unread = pages.data?.pages[0]?.unread ?? 0;
  const toggleDesktop = async (on: boolean) => {
    if (on && typeof Notification !== 'undefined' && Notification.permission !== 'granted') {
      if ((await Notification.requestPermission()) !== 'granted') return;
    }
    setNotificationDesktop(on);
  };
  return (
    <div className="wq-bell-panel">
      <header className="flex align-items-center justify-content-between gap-2 mb-2">
        <strong>{t('notifications.title')}</strong>
        <Button text size="small" label={t('notifications.markAllRead')} disabled={unread === 0} loading={markAll.isPending}
          onClick={() => markAll.mutate()} />
      </header>
      {pages.isPending && <div aria-busy="true"><Skeleton height="3rem" className="mb-2" /><Skeleton height="3rem" /></div>}
      {pages.isError && <p className="wq-muted">{t('errors.network')}</p>}
      {pages.isSuccess && list.length === 0 && <p className="wq-muted">{t('notifications.empty')}</p>}
      {list.length > 0 && <ul className="wq-notification-list">{list.map((n) => <NotificationItem key={n.id} n={n} compact />)}</ul>}
      <div className="wq-bell-prefs">
        <div className="wq-field-inline">
          <InputSwitch inputId="notif-sound" checked={notificationSound} onChange={(e) => setNotificationSound(!!e.value)} />
          <label htmlFor="notif-sound">{t('notifications.sound')}</label>
        </div>
        <div className="wq-field-inline">
          <InputSwitch inputId="notif-desktop" checked={notificationDesktop} onChange={(e) => void toggleDesktop(!!e.value)} />
          <label htmlFor="notif-desktop">{t('notifications.desktop')}</label>
        </div>
      </div>
      <Link to="/notifications" className="wq-bell-all" onClick={onNavigate}>{t('notifications.seeAll')}</Link>
    </div>
  );
}
