import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from 'primereact/dialog';
import { InputText } from 'primereact/inputtext';
import { Button } from 'primereact/button';
import { Message as Notice } from 'primereact/message';
import { ApiError, fieldErrors } from '@/lib/api/errors';
import { usePairingCode } from '../api/sessions';

/** Pairing by phone number: the phone's number in, the code to type on the phone out, shown large. */
export function PairingDialog({ id, name, visible, onHide }: { id: string; name: string; visible: boolean; onHide: () => void }) {
  const { t } = useTranslation();
  const [phone, setPhone] = useState('');
  const pair = usePairingCode();
  const fields = fieldErrors(pair.error);
  const other = pair.error && !fields['phone']
    ? (pair.error instanceof ApiError ? `${pair.error.message} (${pair.error.code})` : t('errors.network')) : '';
  const hide = () => { pair.reset(); setPhone(''); onHide(); };
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    pair.mutate({ id, phone });
  };
  return (
    <Dialog header={t('sessions.pairTitle', { name })} visible={visible} onHide={hide} style={{ inlineSize: 'min(440px, 95vw)' }}>
      {pair.data?.code ? (
        <div className="flex flex-column align-items-center gap-3">
          <output className="wq-pairing-code" dir="ltr" aria-label={t('sessions.pairCode')} data-testid="pairing-code">
            {pair.data.code}
          </output>
          <p className="m-0 text-center">{t('sessions.pairHowTo')}</p>
          <Button label={t('sessions.pairDone')} onClick={hide} />
        </div>
      ) : (
        <form onSubmit={submit} noValidate>
          {other && <Notice severity="error" className="w-full mb-3" text={other} />}
          <div className="wq-field">
            <label htmlFor={`pair-phone-${id}`}>{t('sessions.pairPhone')}</label>
            <InputText id={`pair-phone-${id}`} value={phone} dir="ltr" inputMode="tel" placeholder="+966 50 123 4567"
              invalid={!!fields['phone']} onChange={(e) => setPhone(e.target.value)} autoFocus />
            {fields['phone'] && <small className="p-error">{fields['phone']}</small>}
            <small className="wq-muted">{t('sessions.pairHint')}</small>
          </div>
          <Button type="submit" icon="pi pi-link" label={t('sessions.pairGet')} loading={pair.isPending} />
        </form>
      )}
    </Dialog>
  );
}
