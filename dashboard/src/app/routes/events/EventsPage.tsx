import { useTranslation } from 'react-i18next';
import { useSessions } from '@/features/sessions/api/sessions';
import { EventMonitor } from '@/features/events/components/EventMonitor';

export default function EventsPage() {
  const { t } = useTranslation();
  const sessions = useSessions();
  const options = (sessions.data ?? []).map((s) => ({ id: s.id ?? '', label: s.name ?? s.id ?? '' }));
  return (
    <section>
      <div className="wq-page-header">
        <h1>{t('events.title')}</h1>
      </div>
      <p className="wq-muted mt-0">{t('events.intro')}</p>
      <EventMonitor sessions={options} />
    </section>
  );
}
