import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { FileUpload, type FileUploadHandlerEvent } from 'primereact/fileupload';
import { Button } from 'primereact/button';
import { InputSwitch } from 'primereact/inputswitch';
import { fieldErrors } from '@/lib/api/errors';
import { toastSuccess } from '@/lib/toast';
import { useDeleteAvatar, useUpdateProfile, useUploadAvatar, type User } from '../api/profile';
import { UserAvatar } from './UserAvatar';
import { FormError } from './ErrorNotice';

/** The largest avatar the API takes (tenant.MaxAvatarBytes). */
export const MAX_AVATAR_BYTES = 1 << 20;

export function AvatarCard({ user }: { user: User }) {
  const { t } = useTranslation();
  const id = user.id ?? '';
  const upload = useUploadAvatar(id);
  const remove = useDeleteAvatar(id);
  const gravatar = useUpdateProfile(id);
  const picker = useRef<FileUpload>(null);
  const fields = fieldErrors(upload.error);
  const onUpload = (e: FileUploadHandlerEvent) => {
    const file = e.files[0];
    picker.current?.clear();
    if (!file) return;
    upload.mutate(file, { onSuccess: () => toastSuccess(t('profile.avatarSaved')) });
  };
  return (
    <section className="wq-card" aria-labelledby="profile-photo">
      <h2 id="profile-photo" className="mt-0">{t('profile.photo')}</h2>
      <div className="flex align-items-center gap-3 flex-wrap">
        <UserAvatar user={user} size="xlarge" className="wq-profile-avatar" />
        <div className="flex flex-column gap-2">
          {/* No maxFileSize here: the API checks size and type (by content) and its error is shown below. */}
          <FileUpload ref={picker} mode="basic" name="file" accept="image/png,image/jpeg,image/webp,image/gif"
            customUpload auto uploadHandler={onUpload} chooseLabel={t('profile.upload')}
            chooseOptions={{ icon: 'pi pi-upload' }} disabled={upload.isPending} />
          {user.avatarUpdatedAt && (
            <Button size="small" text severity="danger" icon="pi pi-trash" label={t('profile.removePhoto')}
              loading={remove.isPending} onClick={() => remove.mutate(undefined, { onSuccess: () => toastSuccess(t('profile.avatarRemoved')) })} />
          )}
        </div>
      </div>
      <small className="wq-muted block mt-2">{t('profile.photoHint')}</small>
      {fields['file'] && <small className="p-error block mt-1" role="alert">{fields['file']}</small>}
      <div className="mt-2"><FormError error={upload.error} fields={['file']} /></div>
      <div className="flex align-items-center gap-2 mt-3">
        <InputSwitch inputId="profile-gravatar" checked={!!user.gravatar} disabled={gravatar.isPending}
          onChange={(e) => gravatar.mutate({ gravatar: !!e.value }, {
            onSuccess: () => toastSuccess(t('profile.saved')),
          })} />
        <label htmlFor="profile-gravatar">{t('profile.useGravatar')}</label>
      </div>
      <small className="wq-muted block mt-1">{t('profile.gravatarHint')}</small>
      <FormError error={gravatar.error} fields={[]} />
    </section>
  );
}
