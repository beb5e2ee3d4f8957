import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { InputText } from 'primereact/inputtext';
import { Password } from 'primereact/password';
import { Button } from 'primereact/button';
import { fieldErrors } from '@/lib/api/errors';
import { toastSuccess } from '@/lib/toast';
import { useChangeEmail, type User } from '../api/profile';
import { FormError } from './ErrorNotice';

/** The sign-in email; changing it asks the current password. */
export function EmailForm({ user }: { user: User }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState(user.email ?? '');
  const [password, setPassword] = useState('');
  useEffect(() => setEmail(user.email ?? ''), [user.email]);
  const change = useChangeEmail();
  const fields = fieldErrors(change.error);
  const dirty = email.trim().toLowerCase() !== (user.email ?? '');
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    change.mutate({ email, currentPassword: password }, {
      onSuccess: () => { setPassword(''); toastSuccess(t('profile.emailChanged')); },
    });
  };
  return (
    <form onSubmit={submit} noValidate aria-labelledby="profile-email-title" className="mt-4">
      <h3 id="profile-email-title" className="mt-0">{t('profile.signInEmail')}</h3>
      <FormError error={change.error} fields={['email', 'currentPassword']} />
      <div className="wq-field">
        <label htmlFor="profile-email">{t('profile.email')}</label>
        <InputText id="profile-email" type="email" value={email} dir="ltr" autoComplete="email"
          onChange={(e) => setEmail(e.target.value)} invalid={!!fields['email']} />
        {fields['email'] && <small className="p-error">{fields['email']}</small>}
      </div>
      {dirty && (
        <div className="wq-field">
          <label htmlFor="profile-email-password">{t('profile.currentPassword')}</label>
          <Password inputId="profile-email-password" value={password} feedback={false} toggleMask autoComplete="current-password"
            onChange={(e) => setPassword(e.target.value)} invalid={!!fields['currentPassword']} className="w-full" inputClassName="w-full" />
          {fields['currentPassword'] && <small className="p-error">{fields['currentPassword']}</small>}
          <small className="wq-muted">{t('profile.emailHint')}</small>
        </div>
      )}
      <Button type="submit" icon="pi pi-envelope" label={t('profile.changeEmail')} outlined disabled={!dirty} loading={change.isPending} />
    </form>
  );
}
