import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSessions } from '@/features/sessions/api/sessions';
import { ComposeForm, type ReplyTarget } from '@/features/messages/components/ComposeForm';
import { MessageHistory } from '@/features/messages/components/MessageHistory';
import { noFilter, type HistoryFilter } from '@/features/messages/api/messages';
import { useStartParam } from '@/lib/startParam';

export default function MessagesPage() {
  const { t } = useTranslation();
  const sessions = useSessions();
  const [filter, setFilter] = useState<HistoryFilter>(noFilter);
  const [reply, setReply] = useState<ReplyTarget | null>(null);
  // ?compose=1 (the topbar's "New message"): the compose form's first field takes the focus.
  const firstField = useRef<HTMLInputElement>(null);
  useStartParam('compose', () => firstField.current?.focus());
  const options = (sessions.data ?? []).map((s) => ({ id: s.id ?? '', label: s.name ?? s.id ?? '' }));
  return (
    <section>
      <div className="wq-page-header">
        <h1>{t('messages.title')}</h1>
      </div>
      <div className="grid">
        <div className="col-12 lg:col-4">
          <ComposeForm firstFieldRef={firstField} sessions={options} reply={reply} onClearReply={() => setReply(null)} />
        </div>
        <div className="col-12 lg:col-8">
          <MessageHistory sessions={options} filter={filter} onFilter={setFilter} onReply={setReply} />
        </div>
      </div>
    </section>
  );
}
