import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Password } from 'primereact/password';
import { Button } from 'primereact/button';
import { fieldErrors } from '@/lib/api/errors';
import { toastSuccess } from '@/lib/toast';
import { useChangePassword } from '../api/profile';
import { FormError } from './ErrorNotice';

/** Current + new password. The API applies the password rules; only "the two new ones differ" is checked here. */
export function PasswordForm() {
  const { t } = useTranslation();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const change = useChangePassword();
  const fields = fieldErrors(change.error);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (next !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    change.mutate({ currentPassword: current, newPassword: next }, {
      onSuccess: () => {
        setCurrent(''); setNext(''); setConfirm('');
        toastSuccess(t('profile.passwordChanged'));
      },
    });
  };
  return (
    <form className="wq-card" onSubmit={submit} noValidate aria-labelledby="profile-password">
      <h2 id="profile-password" className="mt-0">{t('profile.password')}</h2>
      <FormError error={change.error} fields={['currentPassword', 'newPassword']} />
      <div className="wq-field">
        <label htmlFor="profile-current">{t('profile.currentPassword')}</label>
        <Password inputId="profile-current" value={current} feedback={false} toggleMask autoComplete="current-password"
          onChange={(e) => setCurrent(e.target.value)} invalid={!!fields['currentPassword']} inputClassName="w-full" className="w-full" />
        {fields['currentPassword'] && <small className="p-error">{fields['currentPassword']}</small>}
      </div>
      <div className="wq-field">
        <label htmlFor="profile-new">{t('profile.newPassword')}</label>
        <Password inputId="profile-new" value={next} feedback={false} toggleMask autoComplete="new-password"
          onChange={(e) => setNext(e.target.value)} invalid={!!fields['newPassword']} inputClassName="w-full" className="w-full" />
        {fields['newPassword'] && <small className="p-error">{fields['newPassword']}</small>}
      </div>
      <div className="wq-field">
        <label htmlFor="profile-confirm">{t('profile.confirmPassword')}</label>
        <Password inputId="profile-confirm" value={confirm} feedback={false} toggleMask autoComplete="new-password"
          onChange={(e) => setConfirm(e.target.value)} invalid={mismatch} inputClassName="w-full" className="w-full" />
        {mismatch && <small className="p-error">{t('profile.mismatch')}</small>}
      </div>
      <small className="wq-muted block mb-3">{t('profile.passwordHint')}</small>
      <Button type="submit" icon="pi pi-lock" label={t('profile.changePassword')} loading={change.isPending} />
    </form>
  );
}
