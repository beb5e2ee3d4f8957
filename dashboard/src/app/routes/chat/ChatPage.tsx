import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { useSessions } from '@/features/sessions/api/sessions';
import { ChatList } from '@/features/messages/components/ChatList';
import { ChatView } from '@/features/messages/components/ChatView';
import { canonicalChat, chatPath } from '@/features/messages/chatId';

/** Chats: a session's recent chats (the session from the path, ?session= (the session card's link), the one picked, or
 *  the first) and one conversation (/messages/chat/<session>/<chatId>). */
export default function ChatPage() {
  const { t } = useTranslation();
  const params = useParams();
  const navigate = useNavigate();
  const sessions = useSessions();
  const options = (sessions.data ?? []).map((s) => ({ id: s.id ?? '', label: s.name ?? s.id ?? '' }));
  const [query] = useSearchParams();
  const [picked, setPicked] = useState(query.get('session') ?? '');
  const sessionId = params['session'] ?? (picked || options[0]?.id || '');
  const chatId = canonicalChat(params['chatId'] ?? '');
  return (
    <section>
      <div className="wq-page-header">
        <h1>{t('chat.title')}</h1>
        <Link to="/messages">{t('chat.toHistory')}</Link>
      </div>
      <div className="grid">
        <div className="col-12 lg:col-4">
          <ChatList sessions={options} sessionId={sessionId} chatId={chatId}
            onSession={(id) => { setPicked(id); if (params['session']) navigate('/messages/chat'); }}
            onChat={(c) => navigate(chatPath(sessionId, canonicalChat(c)))} />
        </div>
        <div className="col-12 lg:col-8">
          {sessionId && chatId
            ? <ChatView key={`${sessionId}/${chatId}`} sessionId={sessionId} chatId={chatId} />
            : <div className="wq-card wq-muted">{t('chat.pick')}</div>}
        </div>
      </div>
    </section>
  );
}
