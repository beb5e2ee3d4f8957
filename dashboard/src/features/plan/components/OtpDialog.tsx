import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from 'primereact/dialog';
import { InputOtp } from 'primereact/inputotp';
import { Button } from 'primereact/button';
import { Message as Notice } from 'primereact/message';
import { ApiError, fieldErrors } from '@/lib/api/errors';
import { useRedeem } from '../api/plan';

/** Access codes are 12 letters and digits (shared/plan: 60 random bits), typed masked. */
export const CODE_LENGTH = 12;

/** The dialog that redeems an access code: masked InputOtp, the API's error shown as it said it. */
export function OtpDialog({ visible, onHide, onRedeemed }: { visible: boolean; onHide: () => void; onRedeemed: (feature: string) => void }) {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const redeem = useRedeem();
  const fields = fieldErrors(redeem.error);
  const error = fields['code'] ?? (redeem.error instanceof ApiError ? redeem.error.message : redeem.error ? t('errors.network') : '');
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    redeem.mutate(code, {
      onSuccess: (res) => { setCode(''); redeem.reset(); onRedeemed(String(res.unlocked)); },
    });
  };
  return (
    <Dialog header={t('premium.dialogTitle')} visible={visible} onHide={() => { setCode(''); redeem.reset(); onHide(); }}
      style={{ inlineSize: 'min(40rem, 95vw)' }} modal>
      <form onSubmit={submit} noValidate aria-label={t('premium.dialogTitle')}>
        <p className="mt-0">{t('premium.dialogText', { length: CODE_LENGTH })}</p>
        <div dir="ltr" className="flex justify-content-center mb-3">
          <InputOtp value={code} length={CODE_LENGTH} mask invalid={!!error} aria-label={t('premium.codeLabel')}
            onChange={(e) => setCode(String(e.value ?? '').toUpperCase())} pt={{ input: { root: { style: { inlineSize: '2.25rem' } } } }} />
        </div>
        {error && <Notice severity="error" className="w-full mb-3" text={error} />}
        <div className="flex justify-content-end gap-2">
          <Button type="button" label={t('common.cancel')} text onClick={onHide} />
          <Button type="submit" icon="pi pi-unlock" label={t('premium.verify')} loading={redeem.isPending}
            disabled={code.length !== CODE_LENGTH} />
        </div>
      </form>
    </Dialog>
  );
}
