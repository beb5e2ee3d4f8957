import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { DataTable } from 'primereact/datatable';
import { Column } from 'primereact/column';
import { Tag } from 'primereact/tag';
import { Button } from 'primereact/button';
import { Dropdown } from 'primereact/dropdown';
import { InputText } from 'primereact/inputtext';
import { Message as Notice } from 'primereact/message';
import { PAGE_SIZE, useMessagePages, type HistoryFilter, type Message, type MessageStatus } from '../api/messages';
import { ApiError } from '@/lib/api/errors';
import { MediaPreview, typeIcon } from './MediaPreview';
import { StatusTimeline } from './StatusTimeline';
import { chatPath } from '../chatId';
import type { ReplyTarget, SessionOption } from './ComposeForm';

const severity: Record<MessageStatus, 'success' | 'info' | 'warning' | 'danger' | null> = {
  pending: null, sent: 'info', delivered: 'info', read: 'success', played: 'success', failed: 'danger', received: 'success',
};
const statuses: MessageStatus[] = ['pending', 'sent', 'delivered', 'read', 'played', 'failed', 'received'];

function peer(m: Message) {
  const a = m.chat;
  return a?.phone ? '+' + a.phone : (m.chatId ?? '');
}

/** The message history: filters, then the newest page; "Load older" fetches the next page by the API's cursor
 *  (a changed filter starts again from the newest). */
export function MessageHistory({ sessions, filter, onFilter, onReply, pageSize = PAGE_SIZE }: {
  sessions: SessionOption[]; filter: HistoryFilter; onFilter: (f: HistoryFilter) => void; onReply: (m: ReplyTarget) => void;
  pageSize?: number;
}) {
  const { t, i18n } = useTranslation();
  const messages = useMessagePages(filter, pageSize);
  const [timeline, setTimeline] = useState<string | null>(null);
  const [chat, setChat] = useState(filter.chatId);
  const time = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'short', timeStyle: 'medium' });
  const set = (p: Partial<HistoryFilter>) => onFilter({ ...filter, ...p });
  return (
    <div className="flex flex-column gap-3">
      <form className="wq-card wq-toolbar" role="search" aria-label={t('messages.filters')}
        onSubmit={(e) => { e.preventDefault(); set({ chatId: chat }); }}>
        <Dropdown inputId="history-session" value={filter.sessionId} optionLabel="label" optionValue="id" aria-label={t('messages.session')}
          options={[{ id: '', label: t('messages.allSessions') }, ...sessions]} onChange={(e) => set({ sessionId: e.value as string })}
          className="wq-filter" />
        <span className="p-input-icon-left">
          <InputText id="history-chat" value={chat} dir="ltr" placeholder={t('messages.chatFilter')} aria-label={t('messages.chat')}
            onChange={(e) => setChat(e.target.value)} onBlur={() => chat !== filter.chatId && set({ chatId: chat })} />
        </span>
        <Dropdown inputId="history-direction" value={filter.direction} aria-label={t('messages.direction')} className="wq-filter"
          placeholder={t('messages.anyDirection')}
          options={[{ value: '', label: t('messages.anyDirection') }, { value: 'in', label: t('messages.dir.in') },
            { value: 'out', label: t('messages.dir.out') }]} onChange={(e) => set({ direction: e.value as HistoryFilter['direction'] })} />
        <Dropdown inputId="history-status" value={filter.status} aria-label={t('messages.statusHeader')} className="wq-filter"
          placeholder={t('messages.anyStatus')}
          options={[{ value: '', label: t('messages.anyStatus') }, ...statuses.map((s) => ({ value: s, label: t(`messages.status.${s}`) }))]}
          onChange={(e) => set({ status: e.value as HistoryFilter['status'] })} />
      </form>
      {messages.isError && <Notice severity="error" className="w-full" text={messages.error instanceof ApiError
        ? `${messages.error.message} (${messages.error.code})` : t('errors.network')} />}
      <DataTable value={messages.messages} loading={messages.isPending} dataKey="messageId" size="small"
        emptyMessage={t('messages.empty')} aria-label={t('messages.history')} className="wq-card p-0">
        <Column header={t('messages.time')} body={(m: Message) => (m.timestamp ? time.format(new Date(m.timestamp)) : '')} />
        <Column header={t('messages.direction')} body={(m: Message) => t(`messages.dir.${m.direction ?? 'out'}`)} />
        <Column header={t('messages.chat')} body={(m: Message) => (m.sessionId && m.chatId
          ? <Link to={chatPath(m.sessionId, m.chatId)} title={t('chat.open')}><bdi dir="ltr" className="wq-ltr">{peer(m)}</bdi></Link>
          : <bdi dir="ltr" className="wq-ltr">{peer(m)}</bdi>)} />
        <Column header={t('messages.content')} style={{ maxWidth: '24rem' }} body={(m: Message) => (
          <div className="flex flex-column gap-1" data-type={m.type}>
            <span className="flex align-items-center gap-2">
              <i className={typeIcon(m.type)} title={t(`messages.type.${m.type ?? 'unknown'}`)} aria-hidden="true" />
              <bdi>{m.body ?? ''}</bdi>
            </span>
            {m.media && <MediaPreview m={m} />}
          </div>
        )} />
        <Column header={t('messages.statusHeader')} body={(m: Message) => m.status &&
          <Tag value={t(`messages.status.${m.status}`)} severity={severity[m.status]} data-status={m.status} />} />
        <Column body={(m: Message) => (
          <span className="flex gap-1">
            <Button size="small" text rounded icon="pi pi-reply" aria-label={t('messages.reply')} tooltip={t('messages.reply')}
              onClick={() => onReply({ messageId: m.messageId, body: m.body, chatId: m.chatId, sessionId: m.sessionId, type: m.type })} />
            <Button size="small" text rounded icon="pi pi-history" aria-label={t('messages.showTimeline')} tooltip={t('messages.showTimeline')}
              onClick={() => setTimeline(m.messageId ?? null)} />
          </span>
        )} />
      </DataTable>
      {messages.messages.length > 0 && (
        <div className="flex align-items-center justify-content-between gap-3 flex-wrap">
          <span className="wq-muted" data-testid="history-count">
            {messages.hasNextPage ? t('messages.loaded', { n: messages.messages.length }) : t('messages.all', { n: messages.messages.length })}
          </span>
          {messages.hasNextPage && (
            <Button type="button" outlined size="small" icon="pi pi-angle-down" label={t('messages.loadOlder')}
              loading={messages.isFetchingNextPage} onClick={() => void messages.fetchNextPage()} />
          )}
        </div>
      )}
      <StatusTimeline id={timeline} onHide={() => setTimeline(null)} />
    </div>
  );
}
