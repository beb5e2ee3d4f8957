import { useTranslation } from 'react-i18next';
import { Chart } from 'primereact/chart';
import { Skeleton } from 'primereact/skeleton';
import { Message as Notice } from 'primereact/message';
import { ApiError } from '@/lib/api/errors';
import { useChartLocale } from '@/lib/charts';
import { useWebhookReport, type ReportRange } from '../api/reports';

const pct = (x: number | null | undefined) => (x == null ? '—' : `${Math.round(x * 1000) / 10}%`);

/** Webhook deliveries per day (delivered, failed, pending), the success rate per day and overall, and latency. */
export function WebhookCharts({ range }: { range: ReportRange }) {
  const { t } = useTranslation();
  const chart = useChartLocale();
  const rep = useWebhookReport(range);
  if (rep.isPending) return <Skeleton height="16rem" />;
  if (rep.error) return <Notice severity="error" text={rep.error instanceof ApiError ? rep.error.message : t('errors.network')} />;
  const r = rep.data;
  const total = r.delivered + r.failed + r.pending;
  const data = {
    labels: r.days.map((d) => chart.day(d.date)),
    datasets: [
      { type: 'bar' as const, label: t('reports.delivered'), backgroundColor: '#16a34a', data: r.days.map((d) => d.delivered), stack: 'd', yAxisID: 'y' },
      { type: 'bar' as const, label: t('reports.failed'), backgroundColor: '#ef4444', data: r.days.map((d) => d.failed), stack: 'd', yAxisID: 'y' },
      { type: 'bar' as const, label: t('reports.pending'), backgroundColor: '#94a3b8', data: r.days.map((d) => d.pending), stack: 'd', yAxisID: 'y' },
      { type: 'line' as const, label: t('reports.successRate'), borderColor: '#3b82f6', data: r.days.map((d) => (d.successRate == null ? null : d.successRate * 100)), yAxisID: 'rate' },
    ],
  };
  const options = chart.options({ maintainAspectRatio: false, scales: {
    x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
    rate: { position: 'right', min: 0, max: 100, grid: { drawOnChartArea: false } } } });
  return (
    <div className="wq-card">
      <h2 className="mt-0">{t('reports.webhooks')}</h2>
      <p className="mt-0" data-testid="webhook-summary">
        {t('reports.webhookSummary', { rate: pct(r.successRate), delivered: r.delivered, failed: r.failed, pending: r.pending })}
        {' '}
        {r.latencyMs ? t('reports.latency', { p50: r.latencyMs.p50, p95: r.latencyMs.p95 }) : ''}
      </p>
      {total === 0 ? <p>{t('reports.noDeliveries')}</p>
        : <Chart type="bar" data={data} options={options} style={{ blockSize: '18rem' }} ariaLabel={t('reports.webhooks')} />}
      {r.truncated && <Notice severity="warn" text={t('reports.truncated')} />}
    </div>
  );
}
