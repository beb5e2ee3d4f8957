import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from 'primereact/dialog';
import { InputText } from 'primereact/inputtext';
import { MultiSelect } from 'primereact/multiselect';
import { Button } from 'primereact/button';
import { Message as Notice } from 'primereact/message';
import { allScopes, useCreateKey, type Scope } from '../api/keys';
import { ApiError, fieldErrors } from '@/lib/api/errors';

/** Creates a key and shows it this once: the API never returns it again. */
export function CreateKeyDialog({ visible, onHide }: { visible: boolean; onHide: () => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>([]);
  const create = useCreateKey();
  const fields = fieldErrors(create.error);
  const other = create.error && Object.keys(fields).length === 0
    ? (create.error instanceof ApiError ? `${create.error.message} (${create.error.code})` : t('errors.network')) : '';
  const close = () => { create.reset(); setName(''); setScopes([]); onHide(); };
  const created = create.data?.key;
  return (
    <Dialog header={t('keys.new')} visible={visible} onHide={close} style={{ width: 'min(480px, 95vw)' }}>
      {created ? (
        <div>
          <Notice severity="warn" className="w-full mb-3" text={t('keys.shownOnce')} />
          <label htmlFor="new-key">{t('keys.key')}</label>
          <InputText id="new-key" value={created} readOnly dir="ltr" className="w-full mt-1 mb-3" onFocus={(e) => e.target.select()} />
          <div className="flex justify-content-end gap-2">
            <Button type="button" outlined icon="pi pi-copy" label={t('keys.copy')}
              onClick={() => void navigator.clipboard?.writeText(created)} />
            <Button type="button" label={t('keys.done')} onClick={close} />
          </div>
        </div>
      ) : (
        <form noValidate onSubmit={(e) => { e.preventDefault(); create.mutate({ name, scopes }); }}>
          {other && <Notice severity="error" className="w-full mb-3" text={other} />}
          <div className="wq-field">
            <label htmlFor="key-name">{t('keys.name')}</label>
            <InputText id="key-name" value={name} maxLength={100} invalid={!!fields['name']} onChange={(e) => setName(e.target.value)} />
            {fields['name'] && <small className="p-error">{fields['name']}</small>}
          </div>
          <div className="wq-field">
            <label htmlFor="key-scopes">{t('keys.scopes')}</label>
            <MultiSelect inputId="key-scopes" className="wq-key-scopes" value={scopes} options={[...allScopes]} display="chip"
              invalid={!!fields['scopes']} onChange={(e) => setScopes(e.value as Scope[])} />
            {fields['scopes'] && <small className="p-error">{fields['scopes']}</small>}
          </div>
          <div className="flex justify-content-end gap-2">
            <Button type="button" text label={t('common.cancel')} onClick={close} />
            <Button type="submit" label={t('keys.create')} loading={create.isPending} />
          </div>
        </form>
      )}
    </Dialog>
  );
}
