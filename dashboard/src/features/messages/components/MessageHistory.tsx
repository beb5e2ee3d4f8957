import { useTranslation } from 'react-i18next';
import { DataTable } from 'primereact/datatable';
import { Column } from 'primereact/column';
import { Tag } from 'primereact/tag';
import { Message as Notice } from 'primereact/message';
import { useMessages, type Message, type MessageStatus } from '../api/messages';
import { ApiError } from '@/lib/api/errors';

const severity: Record<MessageStatus, 'success' | 'info' | 'warning' | 'danger' | null> = {
  pending: null, sent: 'info', delivered: 'info', read: 'success', played: 'success', failed: 'danger', received: 'success',
};

function peer(m: Message) {
  const a = m.chat;
  return a?.phone ? '+' + a.phone : (m.chatId ?? '');
}

export function MessageHistory({ sessionId }: { sessionId: string }) {
  const { t, i18n } = useTranslation();
  const messages = useMessages(sessionId);
  const time = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'short', timeStyle: 'medium' });
  if (messages.isError) {
    return <Notice severity="error" className="w-full" text={messages.error instanceof ApiError
      ? `${messages.error.message} (${messages.error.code})` : t('errors.network')} />;
  }
  return (
    <DataTable value={messages.data ?? []} loading={messages.isPending} dataKey="messageId" size="small"
      emptyMessage={t('messages.empty')} aria-label={t('messages.history')} className="wq-card p-0">
      <Column header={t('messages.time')} body={(m: Message) => (m.timestamp ? time.format(new Date(m.timestamp)) : '')} />
      <Column header={t('messages.direction')} body={(m: Message) => t(`messages.dir.${m.direction ?? 'out'}`)} />
      <Column header={t('messages.chat')} body={(m: Message) => <bdi dir="ltr" className="wq-ltr">{peer(m)}</bdi>} />
      <Column header={t('messages.text')} body={(m: Message) => m.body ?? ''} style={{ maxWidth: '24rem' }} />
      <Column header={t('messages.statusHeader')} body={(m: Message) => m.status &&
        <Tag value={t(`messages.status.${m.status}`)} severity={severity[m.status]} data-status={m.status} />} />
    </DataTable>
  );
}
