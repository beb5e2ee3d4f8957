import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { InputText } from 'primereact/inputtext';
import { InputSwitch } from 'primereact/inputswitch';
import { Button } from 'primereact/button';
import { FileUpload, type FileUploadHandlerEvent } from 'primereact/fileupload';
import { Message as Notice } from 'primereact/message';
import { Skeleton } from 'primereact/skeleton';
import { limits, useBranding, useDeleteLogo, useUpdateBranding, useUploadLogo } from '../api/branding';
import { ApiError, fieldErrors } from '@/lib/api/errors';
import { useAuthorizedImage } from '@/lib/api/image';
import { toastSuccess } from '@/lib/toast';
import { useAuth } from '@/stores/auth';

function errorText(err: unknown, fields: Record<string, string>, fallback: string) {
  if (!err || Object.keys(fields).length) return '';
  return err instanceof ApiError ? `${err.message} (${err.code})` : fallback;
}

/** The branding form: app name, logo text, show-logo-text, and the logo (upload, preview, remove). */
export function BrandingForm() {
  const { t } = useTranslation();
  const branding = useBranding();
  const update = useUpdateBranding();
  const upload = useUploadLogo();
  const removeLogo = useDeleteLogo();
  const [appName, setAppName] = useState('');
  const [logoText, setLogoText] = useState('');
  const [showLogoText, setShowLogoText] = useState(true);
  const [localLogoError, setLocalLogoError] = useState('');
  const fileRef = useRef<FileUpload>(null);
  const logo = useAuthorizedImage(branding.data?.logo?.url);
  // Members read the branding; owners and admins change it (settings:write). The API enforces it either way.
  const readOnly = useAuth((st) => st.user?.role) === 'member';
  useEffect(() => {
    if (!branding.data) return;
    setAppName(branding.data.appName);
    setLogoText(branding.data.logoText);
    setShowLogoText(branding.data.showLogoText);
  }, [branding.data]);

  if (branding.isPending) {
    return <div className="wq-card" aria-busy="true"><Skeleton height="2.5rem" className="mb-3" /><Skeleton height="2.5rem" className="mb-3" /><Skeleton height="6rem" /></div>;
  }
  if (branding.isError) {
    return <Notice severity="error" className="w-full" text={branding.error instanceof ApiError
      ? `${branding.error.message} (${branding.error.code})` : t('errors.network')} />;
  }
  const fields = fieldErrors(update.error);
  const other = errorText(update.error, fields, t('errors.network'));
  const logoFields = fieldErrors(upload.error);
  const logoError = localLogoError || logoFields['file'] || errorText(upload.error, logoFields, t('errors.network'));

  const onUpload = (e: FileUploadHandlerEvent) => {
    const file = e.files[0];
    fileRef.current?.clear();
    setLocalLogoError('');
    upload.reset();
    if (!file) return;
    // The same rules as the API, so the common mistakes are caught before the upload; the API decides.
    if (!limits.logoTypes.includes(file.type)) { setLocalLogoError(t('branding.logoType')); return; }
    if (file.size > limits.logoBytes) { setLocalLogoError(t('branding.logoSize', { kb: limits.logoBytes / 1024 })); return; }
    upload.mutate(file, { onSuccess: () => toastSuccess(t('branding.logoSaved')) });
  };

  return (
    <div className="wq-branding">
      <form className="wq-card" noValidate aria-label={t('branding.title')}
        onSubmit={(e) => { e.preventDefault(); update.mutate({ appName, logoText, showLogoText }, { onSuccess: () => toastSuccess(t('branding.saved')) }); }}>
        {readOnly && <Notice severity="info" className="w-full mb-3" text={t('branding.readOnly')} />}
        {other && <Notice severity="error" className="w-full mb-3" text={other} />}
        <div className="wq-field">
          <label htmlFor="brand-app-name">{t('branding.appName')}</label>
          <InputText id="brand-app-name" value={appName} disabled={readOnly} maxLength={limits.appName} invalid={!!fields['appName']}
            aria-describedby="brand-app-name-help" onChange={(e) => setAppName(e.target.value)} />
          {fields['appName'] ? <small className="p-error">{fields['appName']}</small>
            : <small id="brand-app-name-help" className="wq-muted">{t('branding.appNameHelp')}</small>}
        </div>
        <div className="wq-field">
          <label htmlFor="brand-logo-text">{t('branding.logoText')}</label>
          <InputText id="brand-logo-text" value={logoText} disabled={readOnly} maxLength={limits.logoText} invalid={!!fields['logoText']}
            onChange={(e) => setLogoText(e.target.value)} />
          {fields['logoText'] && <small className="p-error">{fields['logoText']}</small>}
        </div>
        <div className="wq-field-inline">
          <InputSwitch inputId="brand-show-text" checked={showLogoText} disabled={readOnly} onChange={(e) => setShowLogoText(!!e.value)} />
          <label htmlFor="brand-show-text">{t('branding.showLogoText')}</label>
          {fields['showLogoText'] && <small className="p-error">{fields['showLogoText']}</small>}
        </div>
        <Button type="submit" label={t('branding.save')} icon="pi pi-check" loading={update.isPending} disabled={readOnly} />
      </form>
      <section className="wq-card" aria-labelledby="brand-logo-title">
        <h2 id="brand-logo-title" className="wq-card-title">{t('branding.logo')}</h2>
        <div className="wq-logo-preview">
          {logo ? <img src={logo} alt={t('branding.logoAlt')} /> : <span className="wq-muted">{t('branding.noLogo')}</span>}
        </div>
        <p className="wq-muted">{t('branding.logoRules', { kb: limits.logoBytes / 1024 })}</p>
        {logoError && <Notice severity="error" className="w-full mb-3" text={logoError} />}
        <div className="flex flex-wrap gap-2">
          <FileUpload ref={fileRef} mode="basic" name="file" accept={limits.logoTypes.join(',')} customUpload auto
            uploadHandler={onUpload} chooseLabel={t('branding.uploadLogo')} chooseOptions={{ icon: 'pi pi-upload' }}
            disabled={upload.isPending || readOnly} />
          {branding.data.logo && !readOnly && (
            <Button type="button" outlined severity="danger" icon="pi pi-trash" label={t('branding.removeLogo')}
              loading={removeLogo.isPending} onClick={() => removeLogo.mutate(undefined, { onSuccess: () => toastSuccess(t('branding.logoRemoved')) })} />
          )}
        </div>
      </section>
    </div>
  );
}
