import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Dropdown } from 'primereact/dropdown';
import { InputText } from 'primereact/inputtext';
import { InputTextarea } from 'primereact/inputtextarea';
import { Button } from 'primereact/button';
import { Message as Notice } from 'primereact/message';
import { useSendText } from '../api/messages';
import { ApiError, fieldErrors } from '@/lib/api/errors';
import { toastSuccess } from '@/lib/toast';

export type SessionOption = { id: string; label: string };

/** Sends a text; the API's field errors are shown next to their fields. */
export function SendTextForm({ sessions }: { sessions: SessionOption[] }) {
  const { t } = useTranslation();
  const [sessionId, setSessionId] = useState('');
  const [chatId, setChatId] = useState('');
  const [text, setText] = useState('');
  const send = useSendText();
  const fields = fieldErrors(send.error);
  const other = send.error && Object.keys(fields).length === 0
    ? (send.error instanceof ApiError ? `${send.error.message} (${send.error.code})` : t('errors.network')) : '';
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    send.mutate({ sessionId, chatId, text }, { onSuccess: () => { setText(''); toastSuccess(t('messages.sent')); } });
  };
  const options = [{ id: '', label: t('messages.defaultSession') }, ...sessions];
  return (
    <form className="wq-card" onSubmit={submit} noValidate aria-label={t('messages.compose')}>
      <h2 className="mt-0">{t('messages.compose')}</h2>
      {other && <Notice severity="error" className="w-full mb-3" text={other} />}
      <div className="wq-field">
        <label htmlFor="send-session">{t('messages.session')}</label>
        <Dropdown inputId="send-session" value={sessionId} options={options} optionLabel="label" optionValue="id"
          onChange={(e) => setSessionId(e.value as string)} invalid={!!fields['sessionId']} />
        {fields['sessionId'] && <small className="p-error">{fields['sessionId']}</small>}
      </div>
      <div className="wq-field">
        <label htmlFor="send-chat">{t('messages.to')}</label>
        <InputText id="send-chat" value={chatId} dir="ltr" placeholder="+966 50 123 4567" invalid={!!fields['chatId']}
          onChange={(e) => setChatId(e.target.value)} />
        {fields['chatId'] && <small className="p-error">{fields['chatId']}</small>}
      </div>
      <div className="wq-field">
        <label htmlFor="send-text">{t('messages.text')}</label>
        <InputTextarea id="send-text" value={text} rows={4} autoResize invalid={!!fields['text']}
          onChange={(e) => setText(e.target.value)} />
        {fields['text'] && <small className="p-error">{fields['text']}</small>}
      </div>
      <Button type="submit" icon="pi pi-send" label={t('messages.send')} loading={send.isPending} />
    </form>
  );
}
