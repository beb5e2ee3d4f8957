import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TabView, TabPanel } from 'primereact/tabview';
import { Dropdown } from 'primereact/dropdown';
import { InputText } from 'primereact/inputtext';
import { InputNumber } from 'primereact/inputnumber';
import { Chips } from 'primereact/chips';
import { Button } from 'primereact/button';
import { Message as Notice } from 'primereact/message';
import { ApiError, fieldErrors } from '@/lib/api/errors';
import { toastSuccess } from '@/lib/toast';
import { useSendButtons, useSendList, useSendPoll } from '../api/interactive';

export type SessionOption = { id: string; label: string };

/** The API's error: field errors by name (those without a field of their own listed), or its message. */
function Errors({ error, shown }: { error: unknown; shown: string[] }) {
  const { t } = useTranslation();
  if (!error) return null;
  const fields = fieldErrors(error);
  const rest = Object.entries(fields).filter(([f]) => !shown.includes(f));
  if (Object.keys(fields).length === 0) {
    return <Notice severity="error" className="w-full mb-3" text={error instanceof ApiError ? `${error.message} (${error.code})` : t('errors.network')} />;
  }
  return rest.length > 0
    ? <Notice severity="error" className="w-full mb-3" content={<ul className="m-0" style={{ paddingInlineStart: '1rem' }}>{rest.map(([f, m]) => <li key={f}><code dir="ltr">{f}</code>: {m}</li>)}</ul>} />
    : null;
}

function Field({ id, label, error, children }: { id: string; label: string; error?: string; children: React.ReactNode }) {
  return (
    <div className="wq-field">
      <label htmlFor={id}>{label}</label>
      {children}
      {error && <small className="p-error">{error}</small>}
    </div>
  );
}

/** Compose a poll, quick-reply buttons or a list menu, with the linked-devices caveat. */
export function InteractiveComposer({ sessions }: { sessions: SessionOption[] }) {
  const { t } = useTranslation();
  const [sessionId, setSessionId] = useState('');
  const [chatId, setChatId] = useState('');
  const poll = useSendPoll();
  const buttons = useSendButtons();
  const list = useSendList();
  const [question, setQuestion] = useState('');
  const [options, setOptions] = useState<string[]>([]);
  const [selectable, setSelectable] = useState<number>(1);
  const [bText, setBText] = useState('');
  const [bFooter, setBFooter] = useState('');
  const [bLabels, setBLabels] = useState<string[]>([]);
  const [lText, setLText] = useState('');
  const [lButton, setLButton] = useState('');
  const [lTitle, setLTitle] = useState('');
  const [lRows, setLRows] = useState<string[]>([]);
  const sent = () => toastSuccess(t('messages.sent'));
  const common = (error: unknown) => {
    const f = fieldErrors(error);
    return (
      <>
        <Field id="ix-session" label={t('messages.session')} error={f['sessionId']}>
          <Dropdown inputId="ix-session" value={sessionId} optionLabel="label" optionValue="id"
            options={[{ id: '', label: t('messages.defaultSession') }, ...sessions]} onChange={(e) => setSessionId(e.value as string)} />
        </Field>
        <Field id="ix-chat" label={t('messages.to')} error={f['chatId']}>
          <InputText id="ix-chat" value={chatId} dir="ltr" invalid={!!f['chatId']} onChange={(e) => setChatId(e.target.value)} />
        </Field>
      </>
    );
  };
  const pf = fieldErrors(poll.error);
  const bf = fieldErrors(buttons.error);
  const lf = fieldErrors(list.error);
  return (
    <div className="wq-card">
      <Notice severity="warn" className="w-full mb-3" text={t('interactive.caveat')} />
      <TabView>
        <TabPanel header={t('interactive.poll')}>
          <form noValidate aria-label={t('interactive.poll')} onSubmit={(e) => { e.preventDefault();
            poll.mutate({ sessionId, chatId, question, options, selectableCount: selectable }, { onSuccess: sent }); }}>
            <Errors error={poll.error} shown={['sessionId', 'chatId', 'question', 'options', 'selectableCount']} />
            {common(poll.error)}
            <Field id="ix-question" label={t('interactive.question')} error={pf['question']}>
              <InputText id="ix-question" value={question} invalid={!!pf['question']} onChange={(e) => setQuestion(e.target.value)} />
            </Field>
            <Field id="ix-options" label={t('interactive.options')} error={pf['options']}>
              <Chips inputId="ix-options" value={options} separator="," invalid={!!pf['options']} onChange={(e) => setOptions(e.value ?? [])} />
            </Field>
            <Field id="ix-selectable" label={t('interactive.selectable')} error={pf['selectableCount']}>
              <InputNumber inputId="ix-selectable" value={selectable} min={0} max={12} showButtons
                onValueChange={(e) => setSelectable(e.value ?? 0)} />
            </Field>
            <Button type="submit" icon="pi pi-send" label={t('messages.send')} loading={poll.isPending} />
          </form>
        </TabPanel>
        <TabPanel header={t('interactive.buttons')}>
          <form noValidate aria-label={t('interactive.buttons')} onSubmit={(e) => { e.preventDefault();
            buttons.mutate({ sessionId, chatId, text: bText, footer: bFooter, buttons: bLabels }, { onSuccess: sent }); }}>
            <Errors error={buttons.error} shown={['sessionId', 'chatId', 'text', 'footer', 'buttons']} />
            {common(buttons.error)}
            <Field id="ix-btext" label={t('interactive.text')} error={bf['text']}>
              <InputText id="ix-btext" value={bText} invalid={!!bf['text']} onChange={(e) => setBText(e.target.value)} />
            </Field>
            <Field id="ix-bfooter" label={t('interactive.footer')} error={bf['footer']}>
              <InputText id="ix-bfooter" value={bFooter} onChange={(e) => setBFooter(e.target.value)} />
            </Field>
            <Field id="ix-blabels" label={t('interactive.buttonLabels')} error={bf['buttons']}>
              <Chips inputId="ix-blabels" value={bLabels} separator="," max={3} invalid={!!bf['buttons']} onChange={(e) => setBLabels(e.value ?? [])} />
            </Field>
            <Button type="submit" icon="pi pi-send" label={t('messages.send')} loading={buttons.isPending} />
          </form>
        </TabPanel>
        <TabPanel header={t('interactive.list')}>
          <form noValidate aria-label={t('interactive.list')} onSubmit={(e) => { e.preventDefault();
            list.mutate({ sessionId, chatId, text: lText, footer: '', buttonText: lButton, title: lTitle,
              rows: lRows.map((title) => ({ title, description: '' })) }, { onSuccess: sent }); }}>
            <Errors error={list.error} shown={['sessionId', 'chatId', 'text', 'buttonText', 'sections']} />
            {common(list.error)}
            <Field id="ix-ltext" label={t('interactive.text')} error={lf['text']}>
              <InputText id="ix-ltext" value={lText} invalid={!!lf['text']} onChange={(e) => setLText(e.target.value)} />
            </Field>
            <Field id="ix-lbutton" label={t('interactive.listButton')} error={lf['buttonText']}>
              <InputText id="ix-lbutton" value={lButton} invalid={!!lf['buttonText']} onChange={(e) => setLButton(e.target.value)} />
            </Field>
            <Field id="ix-ltitle" label={t('interactive.sectionTitle')}>
              <InputText id="ix-ltitle" value={lTitle} onChange={(e) => setLTitle(e.target.value)} />
            </Field>
            <Field id="ix-lrows" label={t('interactive.rows')} error={lf['sections']}>
              <Chips inputId="ix-lrows" value={lRows} separator="," invalid={!!lf['sections']} onChange={(e) => setLRows(e.value ?? [])} />
            </Field>
            <Button type="submit" icon="pi pi-send" label={t('messages.send')} loading={list.isPending} />
          </form>
        </TabPanel>
      </TabView>
    </div>
  );
}
