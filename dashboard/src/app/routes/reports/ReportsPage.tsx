import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Calendar } from 'primereact/calendar';
import { PremiumGate } from '@/features/plan/components/PremiumGate';
import { MessageCharts } from '@/features/reports/components/MessageCharts';
import { WebhookCharts } from '@/features/reports/components/WebhookCharts';
import { isoDay } from '@/features/reports/api/reports';

const DAY = 24 * 3600 * 1000;

export default function ReportsPage() {
  const { t } = useTranslation();
  const [dates, setDates] = useState<(Date | null)[]>([new Date(Date.now() - 6 * DAY), new Date()]);
  const [from, to] = dates;
  const range = { from: isoDay(from ?? new Date()), to: isoDay(to ?? from ?? new Date()) };
  return (
    <section>
      <div className="wq-page-header">
        <h1>{t('reports.title')}</h1>
        <RangeField>
          <label htmlFor="report-range" style={{ marginInlineEnd: '0.5rem' }}>{t('reports.range')}</label>
          <Calendar inputId="report-range" selectionMode="range" value={dates} dateFormat="yy-mm-dd" readOnlyInput
            maxDate={new Date()} onChange={(e) => setDates((e.value as (Date | null)[] | null) ?? [null, null])} />
        </RangeField>
      </div>
      <PremiumGate feature="reports">
        <MessageCharts range={range} />
        <WebhookCharts range={range} />
      </PremiumGate>
    </section>
  );
}

function RangeField({ children }: { children: React.ReactNode }) {
  return <div className="flex align-items-center">{children}</div>;
}
