import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Dropdown } from 'primereact/dropdown';
import { InputText } from 'primereact/inputtext';
import { Button } from 'primereact/button';
import { Link } from 'react-router-dom';
import { Badge } from 'primereact/badge';
import { Message as Notice } from 'primereact/message';
import { ApiError } from '@/lib/api/errors';
import { noFilter, useMessagePages, type Message } from '../api/messages';
import { chatPath, peerLabel } from '../chatId';
import type { SessionOption } from './ComposeForm';
import './chat.css';

/** How many of a session's newest messages the recent chats are built from (the API's largest page). */
export const RECENT_WINDOW = 200;

export interface RecentChat { chatId: string; last: Message; unread: number }

/** The chats of a list of messages (newest first), newest conversation first, each with its last message and how
 *  many of its incoming messages are not marked read. */
export function recentChats(messages: Message[]): RecentChat[] {
  const by = new Map<string, RecentChat>();
  for (const m of messages) {
    if (!m.chatId) continue;
    let c = by.get(m.chatId);
    if (!c) { c = { chatId: m.chatId, last: m, unread: 0 }; by.set(m.chatId, c); }
    if (m.direction === 'in' && m.status === 'received') c.unread++;
  }
  return [...by.values()];
}

/** Picks a session and a chat: the chats of the session's newest messages (GET /api/messages, one page of
 *  RECENT_WINDOW), or any chat ID typed in. */
export function ChatList({ sessions, sessionId, chatId, onSession, onChat }: {
  sessions: SessionOption[]; sessionId: string; chatId: string; onSession: (id: string) => void; onChat: (chatId: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const q = useMessagePages({ ...noFilter, sessionId }, RECENT_WINDOW);
  const chats = recentChats(q.data?.pages[0]?.messages ?? []);
  const [typed, setTyped] = useState('');
  const time = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'short', timeStyle: 'short' });
  return (
    <div className="wq-card flex flex-column gap-3 wq-chat-list">
      <div className="wq-field">
        <label htmlFor="chat-session">{t('messages.session')}</label>
        <Dropdown inputId="chat-session" value={sessionId} options={sessions} optionLabel="label" optionValue="id"
          placeholder={t('chat.pickSession')} onChange={(e) => onSession(e.value as string)} />
      </div>
      <form className="wq-field" onSubmit={(e) => { e.preventDefault(); if (typed.trim()) onChat(typed.trim()); }}>
        <label htmlFor="chat-open">{t('chat.openChat')}</label>
        <div className="p-inputgroup">
          <InputText id="chat-open" value={typed} dir="ltr" placeholder="+966 50 123 4567" onChange={(e) => setTyped(e.target.value)} />
          <Button type="submit" icon="pi pi-arrow-right" aria-label={t('chat.open')} disabled={!sessionId || !typed.trim()} />
        </div>
      </form>
      <h2 className="m-0 text-lg" id="recent-chats">{t('chat.recent')}</h2>
      {q.isError && <Notice severity="error" className="w-full" text={q.error instanceof ApiError
        ? `${q.error.message} (${q.error.code})` : t('errors.network')} />}
      {sessionId && !q.isPending && chats.length === 0
        ? <span className="wq-muted">{t('chat.noChats')}</span>
        : (
          <ul className="wq-chat-items" aria-labelledby="recent-chats">
            {chats.map((c) => (
              <li key={c.chatId}>
                <Link to={chatPath(sessionId, c.chatId)} className="wq-chat-link" data-chat={c.chatId}
                  aria-current={c.chatId === chatId ? 'page' : undefined}>
                  <span className="wq-chat-item flex-1">
                    <bdi dir="ltr" className="wq-ltr font-medium">{peerLabel(c.chatId)}</bdi>
                    <bdi className="wq-chat-item-last">{c.last.body || t(`messages.type.${c.last.type ?? 'unknown'}`)}</bdi>
                    {c.last.timestamp && <time dateTime={c.last.timestamp} className="text-sm">{time.format(new Date(c.last.timestamp))}</time>}
                  </span>
                  {c.unread > 0 && <><Badge value={c.unread} aria-hidden="true" /><span className="wq-sr-only">{t('chat.unread', { n: c.unread })}</span></>}
                </Link>
              </li>
            ))}
          </ul>
        )}
      <small className="wq-muted">{t('chat.recentHint', { n: RECENT_WINDOW })}</small>
    </div>
  );
}
