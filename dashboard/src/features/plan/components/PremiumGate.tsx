import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { BlockUI } from 'primereact/blockui';
import { Button } from 'primereact/button';
import { Skeleton } from 'primereact/skeleton';
import { Message as Notice } from 'primereact/message';
import { ApiError } from '@/lib/api/errors';
import { toastSuccess } from '@/lib/toast';
import { isUnlocked, usePlan, type Feature } from '../api/plan';
import { OtpDialog } from './OtpDialog';
import './premium.css';

/** Shows children only when the tenant may use the feature (GET /api/plan, decided by the server); otherwise the
 *  page is blocked with a lock and a button to redeem an access code. Nothing of the locked page is fetched. */
export function PremiumGate({ feature, children }: { feature: Feature; children: ReactNode }) {
  const { t } = useTranslation();
  const plan = usePlan();
  const [dialog, setDialog] = useState(false);
  const unlocked = isUnlocked(plan.data, feature);
  if (plan.error) {
    return <Notice severity="error" className="w-full" text={plan.error instanceof ApiError ? `${plan.error.message} (${plan.error.code})` : t('errors.network')} />;
  }
  if (unlocked === undefined) return <Skeleton height="12rem" />;
  if (unlocked) return <>{children}</>;
  const template = (
    <div className="wq-lock" role="region" aria-label={t('premium.locked')}>
      <i className="pi pi-lock" aria-hidden="true" style={{ fontSize: '3rem' }} />
      <h2>{t('premium.locked')}</h2>
      <p>{t('premium.lockedText', { feature: t(`premium.feature.${feature}`) })}</p>
      <Button icon="pi pi-key" label={t('premium.enterCode')} onClick={() => setDialog(true)} />
    </div>
  );
  return (
    <>
      <BlockUI blocked template={template} containerClassName="wq-premium-block">
        <div className="wq-card" aria-hidden="true" style={{ minBlockSize: '22rem' }} />
      </BlockUI>
      <OtpDialog visible={dialog} onHide={() => setDialog(false)}
        onRedeemed={(f) => { setDialog(false); toastSuccess(t('premium.unlocked', { feature: t(`premium.feature.${f}`) })); }} />
    </>
  );
}
