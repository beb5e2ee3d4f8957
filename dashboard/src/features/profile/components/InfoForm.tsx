import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { InputText } from 'primereact/inputtext';
import { Button } from 'primereact/button';
import { fieldErrors } from '@/lib/api/errors';
import { toastSuccess } from '@/lib/toast';
import { useUpdateProfile, type User } from '../api/profile';
import { FormError } from './ErrorNotice';

export function InfoForm({ user }: { user: User }) {
  const { t } = useTranslation();
  const [name, setName] = useState(user.name ?? '');
  const [phone, setPhone] = useState(user.phone ?? '');
  useEffect(() => { setName(user.name ?? ''); setPhone(user.phone ?? ''); }, [user.name, user.phone]);
  const save = useUpdateProfile(user.id ?? '');
  const fields = fieldErrors(save.error);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    save.mutate({ name, phone: phone.replace(/[\s()-]/g, '') }, { onSuccess: () => toastSuccess(t('profile.saved')) });
  };
  return (
    <form onSubmit={submit} noValidate aria-labelledby="profile-info">
      <h2 id="profile-info" className="mt-0">{t('profile.info')}</h2>
      <FormError error={save.error} fields={['name', 'phone']} />
      <div className="wq-field">
        <label htmlFor="profile-name">{t('profile.name')}</label>
        <InputText id="profile-name" value={name} onChange={(e) => setName(e.target.value)} invalid={!!fields['name']} />
        {fields['name'] && <small className="p-error">{fields['name']}</small>}
      </div>
      <div className="wq-field">
        <label htmlFor="profile-phone">{t('profile.phone')}</label>
        <InputText id="profile-phone" value={phone} dir="ltr" placeholder="+15551234567" inputMode="tel"
          onChange={(e) => setPhone(e.target.value)} invalid={!!fields['phone']} />
        {fields['phone'] && <small className="p-error">{fields['phone']}</small>}
      </div>
      <Button type="submit" icon="pi pi-check" label={t('profile.save')} loading={save.isPending} />
    </form>
  );
}
