import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from 'primereact/dialog';
import { InputText } from 'primereact/inputtext';
import { Password } from 'primereact/password';
import { Dropdown } from 'primereact/dropdown';
import { Button } from 'primereact/button';
import { Message as Notice } from 'primereact/message';
import { roles, useCreateUser, type Role } from '../api/users';
import { ApiError, fieldErrors } from '@/lib/api/errors';
import { toastSuccess } from '@/lib/toast';

/** Creates a user; the API's password policy and other field errors show next to their fields. */
export function CreateUserDialog({ visible, onHide, canGrantOwner }: { visible: boolean; onHide: () => void; canGrantOwner: boolean }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [password, setPassword] = useState('');
  const create = useCreateUser();
  const fields = fieldErrors(create.error);
  const other = create.error && Object.keys(fields).length === 0
    ? (create.error instanceof ApiError ? `${create.error.message} (${create.error.code})` : t('errors.network')) : '';
  const close = () => { create.reset(); setEmail(''); setName(''); setRole('member'); setPassword(''); onHide(); };
  return (
    <Dialog header={t('users.new')} visible={visible} onHide={close} style={{ width: 'min(480px, 95vw)' }}>
      <form noValidate onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ email, name, role, password }, { onSuccess: () => { toastSuccess(t('users.created')); close(); } });
      }}>
        {other && <Notice severity="error" className="w-full mb-3" text={other} />}
        <div className="wq-field">
          <label htmlFor="user-email">{t('users.email')}</label>
          <InputText id="user-email" type="email" dir="ltr" autoComplete="off" value={email} invalid={!!fields['email']}
            onChange={(e) => setEmail(e.target.value)} />
          {fields['email'] && <small className="p-error">{fields['email']}</small>}
        </div>
        <div className="wq-field">
          <label htmlFor="user-name">{t('users.name')}</label>
          <InputText id="user-name" value={name} maxLength={100} invalid={!!fields['name']} onChange={(e) => setName(e.target.value)} />
          {fields['name'] && <small className="p-error">{fields['name']}</small>}
        </div>
        <div className="wq-field">
          <label htmlFor="user-role">{t('users.role')}</label>
          <Dropdown inputId="user-role" value={role} invalid={!!fields['role']} onChange={(e) => setRole(e.value as Role)}
            options={roles.filter((r) => canGrantOwner || r !== 'owner').map((r) => ({ label: t(`users.roles.${r}`), value: r }))} />
          {fields['role'] && <small className="p-error">{fields['role']}</small>}
        </div>
        <div className="wq-field">
          <label htmlFor="user-password">{t('users.password')}</label>
          <Password inputId="user-password" value={password} feedback={false} toggleMask autoComplete="new-password"
            invalid={!!fields['password']} inputClassName="w-full" className="w-full" onChange={(e) => setPassword(e.target.value)} />
          {fields['password'] ? <small className="p-error">{fields['password']}</small>
            : <small className="wq-muted">{t('users.passwordHelp')}</small>}
        </div>
        <div className="flex justify-content-end gap-2">
          <Button type="button" text label={t('common.cancel')} onClick={close} />
          <Button type="submit" label={t('users.create')} loading={create.isPending} />
        </div>
      </form>
    </Dialog>
  );
}
