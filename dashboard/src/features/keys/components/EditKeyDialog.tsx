import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from 'primereact/dialog';
import { InputText } from 'primereact/inputtext';
import { MultiSelect } from 'primereact/multiselect';
import { Button } from 'primereact/button';
import { Message as Notice } from 'primereact/message';
import { allScopes, useUpdateKey, type ApiKey, type Scope } from '../api/keys';
import { ApiError, fieldErrors } from '@/lib/api/errors';
import { toastSuccess } from '@/lib/toast';

/** Renames a key or changes its scopes. The API decides what is allowed (a key's scopes never exceed the caller's)
 *  and its field errors show next to the fields; the change applies to the key's next request. */
export function EditKeyDialog({ apiKey, onHide }: { apiKey: ApiKey | null; onHide: () => void }) {
  const { t } = useTranslation();
  return (
    <Dialog header={t('keys.editTitle', { name: apiKey?.name ?? '' })} visible={apiKey !== null} onHide={onHide}
      style={{ width: 'min(480px, 95vw)' }}>
      {apiKey && <EditKeyForm key={apiKey.id} apiKey={apiKey} onDone={onHide} />}
    </Dialog>
  );
}

function EditKeyForm({ apiKey, onDone }: { apiKey: ApiKey; onDone: () => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState(apiKey.name ?? '');
  const [scopes, setScopes] = useState<Scope[]>(apiKey.scopes ?? []);
  const update = useUpdateKey();
  const fields = fieldErrors(update.error);
  const other = update.error && Object.keys(fields).length === 0
    ? (update.error instanceof ApiError ? `${update.error.message} (${update.error.code})` : t('errors.network')) : '';
  const save = () => update.mutate({ id: apiKey.id ?? '', name, scopes },
    { onSuccess: () => { toastSuccess(t('keys.updatedToast')); onDone(); } });
  return (
    <form noValidate onSubmit={(e) => { e.preventDefault(); save(); }}>
      {other && <Notice severity="error" className="w-full mb-3" text={other} />}
      <div className="wq-field">
        <label htmlFor="edit-key-name">{t('keys.name')}</label>
        <InputText id="edit-key-name" value={name} maxLength={100} invalid={!!fields['name']}
          aria-describedby={fields['name'] ? 'edit-key-name-error' : undefined} onChange={(e) => setName(e.target.value)} />
        {fields['name'] && <small id="edit-key-name-error" className="p-error">{fields['name']}</small>}
      </div>
      <div className="wq-field">
        <label htmlFor="edit-key-scopes">{t('keys.scopes')}</label>
        <MultiSelect inputId="edit-key-scopes" className="wq-key-scopes" value={scopes} options={[...allScopes]} display="chip"
          invalid={!!fields['scopes']} onChange={(e) => setScopes(e.value as Scope[])} />
        {fields['scopes'] && <small className="p-error">{fields['scopes']}</small>}
        <small className="wq-muted">{t('keys.scopesHelp')}</small>
      </div>
      <div className="flex justify-content-end gap-2">
        <Button type="button" text label={t('common.cancel')} onClick={onDone} />
        <Button type="submit" label={t('keys.save')} loading={update.isPending} />
      </div>
    </form>
  );
}
