import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Dropdown } from 'primereact/dropdown';
import { InputText } from 'primereact/inputtext';
import { InputTextarea } from 'primereact/inputtextarea';
import { InputNumber } from 'primereact/inputnumber';
import { Chips } from 'primereact/chips';
import { SelectButton } from 'primereact/selectbutton';
import { FileUpload } from 'primereact/fileupload';
import { Button } from 'primereact/button';
import { Message as Notice } from 'primereact/message';
import { useSendMessage, type Compose, type Message } from '../api/messages';
import { ApiError, fieldErrors } from '@/lib/api/errors';
import { toastSuccess } from '@/lib/toast';

export type SessionOption = { id: string; label: string };
type Kind = Compose['kind'];

/** The message a reply quotes: the history's "Reply" sets it. */
export type ReplyTarget = Pick<Message, 'messageId' | 'body' | 'chatId' | 'sessionId' | 'type'>;

/** A field error of the API for any of names (send-media's "media" is the chosen file). */
const first = (f: Record<string, string>, ...names: string[]) => names.map((n) => f[n]).find(Boolean);

/** Composes and sends a message: text, media (uploaded first), location or contact; optionally a reply to a
 *  message and mentions. The API's field errors are shown next to their fields. */
/** firstFieldRef: the form's first field (the session), for a page to focus it. */
export function ComposeForm({ sessions, reply, onClearReply, firstFieldRef }: {
  sessions: SessionOption[]; reply?: ReplyTarget | null; onClearReply?: () => void; firstFieldRef?: React.Ref<HTMLInputElement>;
}) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<Kind>('text');
  const [sessionId, setSessionId] = useState('');
  const [chatId, setChatId] = useState('');
  const [text, setText] = useState('');
  const [mentions, setMentions] = useState<string[]>([]);
  const [file, setFile] = useState<File | null>(null);
  const [lat, setLat] = useState<number | null>(null);
  const [lng, setLng] = useState<number | null>(null);
  const [place, setPlace] = useState('');
  const [address, setAddress] = useState('');
  const [contactName, setContactName] = useState('');
  const [contactPhone, setContactPhone] = useState('');
  const send = useSendMessage();
  const fields = fieldErrors(send.error);
  const known = ['sessionId', 'chatId', 'text', 'caption', 'file', 'media', 'type', 'latitude', 'longitude', 'name',
    'address', 'contact.name', 'contact.phone', 'options.quotedMessageId', 'options.mentionedIds'];
  const other = send.error && !Object.keys(fields).some((f) => known.includes(f) || f.startsWith('options.mentionedIds'))
    ? (send.error instanceof ApiError ? `${send.error.message} (${send.error.code})` : t('errors.network')) : '';
  // A reply goes to the quoted message's chat, from its session.
  useEffect(() => {
    if (!reply) return;
    if (reply.chatId) setChatId(reply.chatId);
    if (reply.sessionId) setSessionId(reply.sessionId);
  }, [reply]);
  const to = chatId;
  const from = sessionId;
  const message = (): Compose => {
    switch (kind) {
      case 'text': return { kind, text };
      case 'media': return { kind, file, caption: text };
      case 'location': return { kind, latitude: lat, longitude: lng, name: place, address };
      case 'contact': return { kind, name: contactName, phone: contactPhone };
    }
  };
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    send.mutate({
      sessionId: from, chatId: to, message: message(),
      options: { quotedMessageId: reply?.messageId, mentionedIds: mentions },
    }, {
      onSuccess: () => {
        setText(''); setFile(null); setMentions([]);
        onClearReply?.();
        toastSuccess(t('messages.sent'));
      },
    });
  };
  const kinds = (['text', 'media', 'location', 'contact'] as const).map((k) => ({ value: k, label: t(`messages.kind.${k}`) }));
  const options = [{ id: '', label: t('messages.defaultSession') }, ...sessions];
  const err = (...names: string[]) => {
    const m = first(fields, ...names);
    return m ? <small className="p-error">{m}</small> : null;
  };
  return (
    <form className="wq-card" onSubmit={submit} noValidate aria-label={t('messages.compose')}>
      <h2 className="mt-0">{t('messages.compose')}</h2>
      <SelectButton value={kind} options={kinds} onChange={(e) => e.value && setKind(e.value as Kind)} className="mb-3"
        aria-label={t('messages.kindLabel')} allowEmpty={false} />
      {other && <Notice severity="error" className="w-full mb-3" text={other} />}
      <div className="wq-field">
        <label htmlFor="send-session">{t('messages.session')}</label>
        <Dropdown inputId="send-session" focusInputRef={firstFieldRef} value={from} options={options} optionLabel="label" optionValue="id"
          onChange={(e) => setSessionId(e.value as string)} invalid={!!fields['sessionId']} />
        {err('sessionId')}
      </div>
      <div className="wq-field">
        <label htmlFor="send-chat">{t('messages.to')}</label>
        <InputText id="send-chat" value={to} dir="ltr" placeholder="+966 50 123 4567" invalid={!!fields['chatId']}
          onChange={(e) => setChatId(e.target.value)} />
        {err('chatId')}
      </div>
      {reply && (
        <div className="wq-quote" data-testid="reply-quote">
          <div className="flex justify-content-between align-items-center gap-2">
            <span className="wq-muted">{t('messages.replyingTo')}</span>
            <Button type="button" size="small" text rounded icon="pi pi-times" aria-label={t('messages.cancelReply')}
              onClick={() => onClearReply?.()} />
          </div>
          <bdi className="wq-quote-text">{reply.body || t(`messages.type.${reply.type ?? 'unknown'}`)}</bdi>
          {err('options.quotedMessageId')}
        </div>
      )}
      {kind === 'media' && (
        <div className="wq-field">
          <span id="send-file-label">{t('messages.file')}</span>
          <div className="flex align-items-center gap-2 flex-wrap">
            <FileUpload mode="basic" name="file" chooseLabel={file ? t('messages.otherFile') : t('messages.chooseFile')}
              chooseOptions={{ icon: 'pi pi-paperclip' }} customUpload auto={false}
              onSelect={(e) => setFile(e.files[0] ?? null)} onClear={() => setFile(null)} aria-labelledby="send-file-label" />
            {file && <bdi className="wq-muted" data-testid="chosen-file">{file.name}</bdi>}
          </div>
          {err('file', 'media', 'type')}
        </div>
      )}
      {(kind === 'text' || kind === 'media') && (
        <div className="wq-field">
          <label htmlFor="send-text">{kind === 'text' ? t('messages.text') : t('messages.caption')}</label>
          <InputTextarea id="send-text" value={text} rows={kind === 'text' ? 4 : 2} autoResize
            invalid={!!first(fields, 'text', 'caption')} onChange={(e) => setText(e.target.value)} />
          {err('text', 'caption')}
        </div>
      )}
      {kind === 'location' && (
        <div className="grid">
          <div className="col-6 wq-field">
            <label htmlFor="send-lat">{t('messages.latitude')}</label>
            <InputNumber inputId="send-lat" value={lat} onValueChange={(e) => setLat(e.value ?? null)} mode="decimal"
              minFractionDigits={0} maxFractionDigits={7} min={-90} max={90} invalid={!!fields['latitude']} locale="en-US" />
            {err('latitude')}
          </div>
          <div className="col-6 wq-field">
            <label htmlFor="send-lng">{t('messages.longitude')}</label>
            <InputNumber inputId="send-lng" value={lng} onValueChange={(e) => setLng(e.value ?? null)} mode="decimal"
              minFractionDigits={0} maxFractionDigits={7} min={-180} max={180} invalid={!!fields['longitude']} locale="en-US" />
            {err('longitude')}
          </div>
          <div className="col-12 wq-field">
            <label htmlFor="send-place">{t('messages.placeName')}</label>
            <InputText id="send-place" value={place} onChange={(e) => setPlace(e.target.value)} invalid={!!fields['name']} />
            {err('name')}
          </div>
          <div className="col-12 wq-field">
            <label htmlFor="send-address">{t('messages.address')}</label>
            <InputText id="send-address" value={address} onChange={(e) => setAddress(e.target.value)} invalid={!!fields['address']} />
            {err('address')}
          </div>
        </div>
      )}
      {kind === 'contact' && (
        <>
          <div className="wq-field">
            <label htmlFor="send-contact-name">{t('messages.contactName')}</label>
            <InputText id="send-contact-name" value={contactName} onChange={(e) => setContactName(e.target.value)}
              invalid={!!fields['contact.name']} />
            {err('contact.name')}
          </div>
          <div className="wq-field">
            <label htmlFor="send-contact-phone">{t('messages.contactPhone')}</label>
            <InputText id="send-contact-phone" value={contactPhone} dir="ltr" onChange={(e) => setContactPhone(e.target.value)}
              invalid={!!fields['contact.phone']} />
            {err('contact.phone')}
          </div>
        </>
      )}
      {(kind === 'text' || kind === 'media') && (
        <div className="wq-field">
          <label htmlFor="send-mentions">{t('messages.mentions')}</label>
          <Chips inputId="send-mentions" value={mentions} onChange={(e) => setMentions(e.value ?? [])} separator=","
            allowDuplicate={false} invalid={Object.keys(fields).some((f) => f.startsWith('options.mentionedIds'))} />
          <small className="wq-muted">{t('messages.mentionsHint')}</small>
          {Object.entries(fields).filter(([f]) => f.startsWith('options.mentionedIds')).map(([f, m]) =>
            <small key={f} className="p-error">{m}</small>)}
        </div>
      )}
      <Button type="submit" icon="pi pi-send" label={t('messages.send')} loading={send.isPending} />
    </form>
  );
}
