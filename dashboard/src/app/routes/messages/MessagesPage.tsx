import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Dropdown } from 'primereact/dropdown';
import { useSessions } from '@/features/sessions/api/sessions';
import { SendTextForm } from '@/features/messages/components/SendTextForm';
import { MessageHistory } from '@/features/messages/components/MessageHistory';

export default function MessagesPage() {
  const { t } = useTranslation();
  const sessions = useSessions();
  const [filter, setFilter] = useState('');
  const options = (sessions.data ?? []).map((s) => ({ id: s.id ?? '', label: s.name ?? s.id ?? '' }));
  return (
    <section>
      <div className="wq-page-header">
        <h1>{t('messages.title')}</h1>
      </div>
      <div className="grid">
        <div className="col-12 lg:col-4"><SendTextForm sessions={options} /></div>
        <div className="col-12 lg:col-8">
          <div className="flex align-items-center gap-2 mb-3">
            <label htmlFor="history-session">{t('messages.session')}</label>
            <Dropdown inputId="history-session" value={filter} optionLabel="label" optionValue="id"
              options={[{ id: '', label: t('messages.allSessions') }, ...options]} onChange={(e) => setFilter(e.value as string)} />
          </div>
          <MessageHistory sessionId={filter} />
        </div>
      </div>
    </section>
  );
}
