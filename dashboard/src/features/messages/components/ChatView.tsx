import { useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Avatar } from 'primereact/avatar';
import { Button } from 'primereact/button';
import { InputTextarea } from 'primereact/inputtextarea';
import { Message as Notice } from 'primereact/message';
import { Skeleton } from 'primereact/skeleton';
import { ApiError, fieldErrors } from '@/lib/api/errors';
import { useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { messageKeys, noFilter, PAGE_SIZE, useMessage, useMessagePages, useSendMessage, type Message, type MessagePage,
  type MessageStatus } from '../api/messages';
import { MediaPreview } from './MediaPreview';
import { peerLabel } from '../chatId';
import './chat.css';

const ticks: Record<MessageStatus, string[]> = {
  pending: ['pi pi-clock'], sent: ['pi pi-check'], delivered: ['pi pi-check', 'pi pi-check'],
  read: ['pi pi-check', 'pi pi-check'], played: ['pi pi-check', 'pi pi-check'], failed: ['pi pi-exclamation-circle'],
  received: [],
};

/** An outgoing message's status as WhatsApp shows it: a clock, one tick, two ticks, two coloured ticks, or the
 *  failure mark; named for screen readers. */
export function StatusTicks({ status }: { status: MessageStatus }) {
  const { t } = useTranslation();
  return (
    <span role="img" aria-label={t(`messages.status.${status}`)} title={t(`messages.status.${status}`)} data-status={status}
      className={`wq-ticks wq-ticks-${status}`}>
      {ticks[status].map((c, i) => <i key={i} className={c} aria-hidden="true" />)}
    </span>
  );
}

/** The message a bubble quotes: from the loaded conversation when it is there, else from the API. */
function Quote({ id, loaded }: { id: string; loaded: Map<string, Message> }) {
  const { t } = useTranslation();
  const here = loaded.get(id);
  const q = useMessage(here ? null : id);
  const m = here ?? q.data ?? undefined;
  return (
    <div className="wq-bubble-quote" data-testid="bubble-quote">
      <span className="wq-muted">{m?.direction === 'out' ? t('chat.you') : t('chat.them')}</span>
      <bdi>{m ? (m.body || t(`messages.type.${m.type ?? 'unknown'}`)) : (q.isError ? t('chat.quoteMissing') : '…')}</bdi>
    </div>
  );
}

function Bubble({ m, loaded, onReply, time }: {
  m: Message; loaded: Map<string, Message>; onReply: (m: Message) => void; time: Intl.DateTimeFormat;
}) {
  const { t } = useTranslation();
  const out = m.direction === 'out';
  return (
    <div className={`wq-bubble ${out ? 'wq-bubble-out' : 'wq-bubble-in'}`} data-direction={m.direction} data-message-id={m.messageId}
      role="article" aria-label={out ? t('chat.sentBubble') : t('chat.receivedBubble')}>
      {m.replyTo && <Quote id={m.replyTo} loaded={loaded} />}
      {m.media && <MediaPreview m={m} />}
      {(m.body || !m.media) && <bdi className="wq-bubble-text">{m.body || t(`messages.type.${m.type ?? 'unknown'}`)}</bdi>}
      <span className="wq-bubble-meta">
        {m.timestamp && <time dateTime={m.timestamp}>{time.format(new Date(m.timestamp))}</time>}
        {out && m.status && <StatusTicks status={m.status} />}
        <Button type="button" size="small" text rounded icon="pi pi-reply" className="wq-bubble-reply"
          aria-label={t('messages.reply')} onClick={() => onReply(m)} />
      </span>
      {m.status === 'failed' && m.error && <small className="p-error">{m.error}</small>}
    </div>
  );
}

/** One conversation: the messages of a chat of a session in time order (incoming on one side, outgoing on the other,
 *  the sides swapping in right-to-left languages), older pages by the API's cursor, live through the feed (new
 *  messages scroll into view), and a composer that sends text, optionally as a reply to a bubble. */
export function ChatView({ sessionId, chatId, pageSize = PAGE_SIZE }: { sessionId: string; chatId: string; pageSize?: number }) {
  const { t, i18n } = useTranslation();
  const filter = { ...noFilter, sessionId, chatId };
  const q = useMessagePages(filter, pageSize);
  const qc = useQueryClient();
  const send = useSendMessage();
  const [text, setText] = useState('');
  const [reply, setReply] = useState<Message | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const time = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'short', timeStyle: 'short' });
  // The API answers newest first; a conversation reads oldest first.
  const list = [...q.messages].reverse();
  const loaded = new Map(list.map((m) => [m.messageId ?? '', m]));
  const newest = list.at(-1)?.messageId ?? '';
  const oldest = list[0]?.messageId ?? '';

  // A new message at the end (sent or received) scrolls into view, and so does any change while the end is in view
  // (an answer stored with an earlier time lands above the last bubble); older pages loaded above keep what was on
  // screen where it was.
  const seen = useRef({ newest: '', oldest: '', height: 0 });
  const pinned = useRef(true);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const before = seen.current;
    if (oldest !== before.oldest && newest === before.newest && before.height && !pinned.current) {
      el.scrollTop += el.scrollHeight - before.height;
    } else if (newest !== before.newest || pinned.current) {
      el.scrollTop = el.scrollHeight;
      pinned.current = true;
    }
    seen.current = { newest, oldest, height: el.scrollHeight };
  }, [newest, oldest, list.length]);

  const fields = fieldErrors(send.error);
  const fieldMessage = fields['text'] ?? fields['options.quotedMessageId'] ?? fields['chatId'] ?? fields['sessionId'];
  const other = send.error && !fieldMessage
    ? (send.error instanceof ApiError ? `${send.error.message} (${send.error.code})` : t('errors.network')) : '';
  const submit = (e?: React.FormEvent) => {
    e?.preventDefault();
    send.mutate({ sessionId, chatId, message: { kind: 'text', text },
      ...(reply?.messageId ? { options: { quotedMessageId: reply.messageId } } : {}) },
    { onSuccess: (r) => {
      // The API's answer (ID, time, status) is the new bubble until the newest page comes back with it, so its ticks
      // follow the receipts from the start.
      const sent: Message = { messageId: r.messageId, sessionId: r.sessionId ?? sessionId, chatId: r.chatId ?? chatId,
        direction: 'out', type: 'text', body: text, status: r.status ?? 'pending',
        timestamp: new Date((r.timestamp ?? Date.now() / 1000) * 1000).toISOString(), ...(reply?.messageId ? { replyTo: reply.messageId } : {}) };
      qc.setQueryData<InfiniteData<MessagePage, string>>(messageKeys.pages(filter, pageSize), (d) => {
        if (!d?.pages[0] || !sent.messageId || d.pages.some((p) => p.messages.some((m) => m.messageId === sent.messageId))) return d;
        return { ...d, pages: [{ ...d.pages[0], messages: [sent, ...d.pages[0].messages] }, ...d.pages.slice(1)] };
      });
      setText(''); setReply(null);
    } });
  };

  return (
    <div className="wq-card wq-chat" data-testid="chat-view">
      <div className="wq-chat-head">
        <Avatar icon="pi pi-user" shape="circle" aria-hidden="true" />
        <h2 className="m-0"><bdi dir="ltr" className="wq-ltr">{peerLabel(chatId)}</bdi></h2>
      </div>
      {q.isError && <Notice severity="error" className="w-full" text={q.error instanceof ApiError
        ? `${q.error.message} (${q.error.code})` : t('errors.network')} />}
      <div className="wq-chat-scroll" ref={scroller} role="log" aria-label={t('chat.conversation')} tabIndex={0}
        onScroll={(e) => { const el = e.currentTarget; pinned.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 24; }}>
        {q.hasNextPage ? (
          <Button type="button" outlined size="small" icon="pi pi-angle-up" label={t('chat.loadOlder')} className="align-self-center"
            loading={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()} />
        ) : (list.length > 0 && <span className="wq-muted align-self-center" data-testid="chat-start">{t('chat.start')}</span>)}
        {q.isPending && <><Skeleton width="40%" height="2.5rem" /><Skeleton width="50%" height="2.5rem" className="align-self-end" /></>}
        {!q.isPending && list.length === 0 && <span className="wq-muted align-self-center">{t('chat.empty')}</span>}
        {list.map((m) => <Bubble key={m.messageId} m={m} loaded={loaded} onReply={setReply} time={time} />)}
      </div>
      <form className="wq-chat-compose" onSubmit={submit} noValidate aria-label={t('chat.compose')}>
        {other && <Notice severity="error" className="w-full" text={other} />}
        {reply && (
          <div className="wq-quote" data-testid="chat-reply">
            <div className="flex justify-content-between align-items-center gap-2">
              <span className="wq-muted">{t('messages.replyingTo')}</span>
              <Button type="button" size="small" text rounded icon="pi pi-times" aria-label={t('messages.cancelReply')}
                onClick={() => setReply(null)} />
            </div>
            <bdi className="wq-quote-text">{reply.body || t(`messages.type.${reply.type ?? 'unknown'}`)}</bdi>
          </div>
        )}
        <div className="flex gap-2 align-items-end">
          <div className="flex-1 flex flex-column gap-1">
            <label htmlFor="chat-text" className="wq-sr-only">{t('chat.message')}</label>
            <InputTextarea id="chat-text" value={text} rows={2} autoResize className="w-full" placeholder={t('chat.placeholder')}
              invalid={!!fieldMessage} aria-describedby={fieldMessage ? 'chat-text-error' : undefined}
              onChange={(e) => setText(e.target.value)}
              onKeyDown={(e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); submit(); } }} />
          </div>
          <Button type="submit" icon="pi pi-send" aria-label={t('messages.send')} loading={send.isPending} />
        </div>
        {fieldMessage && <small id="chat-text-error" className="p-error">{fieldMessage}</small>}
      </form>
    </div>
  );
}
