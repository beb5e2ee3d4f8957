import { useTranslation } from 'react-i18next';
import { useSessions } from '@/features/sessions/api/sessions';
import { PremiumGate } from '@/features/plan/components/PremiumGate';
import { InteractiveComposer } from '@/features/interactive/components/InteractiveComposer';

export default function InteractivePage() {
  const { t } = useTranslation();
  const sessions = useSessions();
  const options = (sessions.data ?? []).map((s) => ({ id: s.id ?? '', label: s.name ?? s.id ?? '' }));
  return (
    <section>
      <div className="wq-page-header"><h1>{t('interactive.title')}</h1></div>
      <PremiumGate feature="interactive">
        <InteractiveComposer sessions={options} />
      </PremiumGate>
    </section>
  );
}
