import { useTranslation } from 'react-i18next';
import { InputText } from 'primereact/inputtext';
import { Button } from 'primereact/button';
import { Message as Notice } from 'primereact/message';

/** A signing secret the API returns this once. */
export function SecretShownOnce({ secret, onDone }: { secret: string; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <div>
      <Notice severity="warn" className="w-full mb-3" text={t('webhooks.secretOnce')} />
      <label htmlFor="wh-secret">{t('webhooks.secret')}</label>
      <InputText id="wh-secret" value={secret} readOnly dir="ltr" className="w-full mt-1 mb-3" onFocus={(e) => e.target.select()} />
      <div className="flex justify-content-end gap-2">
        <Button type="button" outlined icon="pi pi-copy" label={t('webhooks.copy')} onClick={() => void navigator.clipboard?.writeText(secret)} />
        <Button type="button" label={t('webhooks.done')} onClick={onDone} />
      </div>
    </div>
  );
}
