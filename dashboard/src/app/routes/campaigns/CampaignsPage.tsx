import { useTranslation } from 'react-i18next';
import { Message as Notice } from 'primereact/message';
import { PremiumGate } from '@/features/plan/components/PremiumGate';

/** Campaigns have no API yet: the page is the premium lock, and once unlocked says the feature is coming. */
export default function CampaignsPage() {
  const { t } = useTranslation();
  return (
    <section>
      <div className="wq-page-header"><h1>{t('campaigns.title')}</h1></div>
      <PremiumGate feature="campaigns">
        <div className="wq-card"><Notice severity="info" className="w-full" text={t('campaigns.coming')} /></div>
      </PremiumGate>
    </section>
  );
}
