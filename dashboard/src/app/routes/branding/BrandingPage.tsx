import { useTranslation } from 'react-i18next';
import { BrandingForm } from '@/features/branding/components/BrandingForm';

export default function BrandingPage() {
  const { t } = useTranslation();
  return (
    <section>
      <div className="wq-page-header"><h1>{t('branding.title')}</h1></div>
      <BrandingForm />
    </section>
  );
}
