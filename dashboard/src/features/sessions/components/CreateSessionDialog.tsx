import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from 'primereact/dialog';
import { InputText } from 'primereact/inputtext';
import { Button } from 'primereact/button';
import { useCreateSession } from '../api/sessions';
import { fieldErrors } from '@/lib/api/errors';

export function CreateSessionDialog({ visible, onHide }: { visible: boolean; onHide: () => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const create = useCreateSession();
  const fields = fieldErrors(create.error);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    create.mutate(name, { onSuccess: () => { setName(''); onHide(); } });
  };
  return (
    <Dialog header={t('sessions.new')} visible={visible} onHide={onHide} style={{ width: 'min(420px, 95vw)' }}>
      <form onSubmit={submit} noValidate>
        <div className="wq-field">
          <label htmlFor="session-name">{t('sessions.name')}</label>
          <InputText id="session-name" value={name} placeholder={t('sessions.namePlaceholder')} maxLength={100}
            invalid={!!fields['name']} onChange={(e) => setName(e.target.value)} autoFocus />
          {fields['name'] && <small className="p-error">{fields['name']}</small>}
        </div>
        <div className="flex justify-content-end gap-2">
          <Button type="button" text label={t('common.cancel')} onClick={onHide} />
          <Button type="submit" label={t('sessions.create')} loading={create.isPending} />
        </div>
      </form>
    </Dialog>
  );
}
