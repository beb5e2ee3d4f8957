import { useTranslation } from 'react-i18next';
import { NotificationCenter } from '@/features/notifications/components/NotificationCenter';

export default function NotificationsPage() {
  const { t } = useTranslation();
  return (
    <section>
      <div className="wq-page-header"><h1>{t('notifications.title')}</h1></div>
      <NotificationCenter />
    </section>
  );
}
