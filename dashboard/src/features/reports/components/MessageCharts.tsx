import { useTranslation } from 'react-i18next';
import { Chart } from 'primereact/chart';
import { Skeleton } from 'primereact/skeleton';
import { Message as Notice } from 'primereact/message';
import { ApiError } from '@/lib/api/errors';
import { useChartLocale } from '@/lib/charts';
import { useMessageReport, type ReportRange } from '../api/reports';

const colors: Record<string, string> = {
  pending: '#94a3b8', sent: '#3b82f6', delivered: '#0f766e', read: '#16a34a', played: '#22c55e', failed: '#ef4444', received: '#f59e0b',
};
const outStatuses = ['pending', 'sent', 'delivered', 'read', 'played', 'failed'];

/** Messages per day (outgoing by status, stacked; incoming as one series) and the delivery funnel. */
export function MessageCharts({ range }: { range: ReportRange }) {
  const { t } = useTranslation();
  const chart = useChartLocale();
  const rep = useMessageReport(range);
  if (rep.isPending) return <Skeleton height="20rem" />;
  if (rep.error) return <Notice severity="error" text={rep.error instanceof ApiError ? rep.error.message : t('errors.network')} />;
  const r = rep.data;
  const labels = r.days.map((d) => chart.day(d.date));
  const perDay = {
    labels,
    datasets: [
      ...outStatuses.map((s) => ({
        label: t('reports.out', { status: t(`messages.status.${s}`) }), stack: 'out', backgroundColor: colors[s],
        data: r.days.map((d) => d.outbound[s] ?? 0),
      })),
      { label: t('reports.in'), stack: 'in', backgroundColor: colors.received,
        data: r.days.map((d) => Object.values(d.inbound).reduce((a, b) => a + b, 0)) },
    ].filter((ds) => ds.data.some((n) => n > 0)),
  };
  const f = r.funnel;
  const funnel = {
    labels: [t('messages.status.sent'), t('messages.status.delivered'), t('messages.status.read')],
    datasets: [{ label: t('reports.funnel'), data: [f.sent, f.delivered, f.read], backgroundColor: [colors.sent, colors.delivered, colors.read] }],
  };
  const stacked = chart.options({ maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } });
  return (
    <div className="grid">
      <div className="col-12 lg:col-8">
        <div className="wq-card">
          <h2 className="mt-0">{t('reports.perDay')}</h2>
          <p className="mt-0" data-testid="message-totals">{t('reports.totals', { out: r.outbound, in: r.inbound })}</p>
          {r.outbound + r.inbound === 0
            ? <p>{t('reports.noMessages')}</p>
            : <Chart type="bar" data={perDay} options={stacked} style={{ blockSize: '20rem' }} ariaLabel={t('reports.perDay')} />}
        </div>
      </div>
      <div className="col-12 lg:col-4">
        <div className="wq-card">
          <h2 className="mt-0">{t('reports.funnel')}</h2>
          <p className="mt-0" data-testid="funnel">{t('reports.funnelText', { sent: f.sent, delivered: f.delivered, read: f.read, failed: f.failed, pending: f.pending })}</p>
          {f.total > 0 && <Chart type="bar" data={funnel} style={{ blockSize: '16rem' }} ariaLabel={t('reports.funnel')}
            options={chart.options({ indexAxis: 'y', maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } })} />}
        </div>
      </div>
      {r.truncated && <div className="col-12"><Notice severity="warn" text={t('reports.truncated')} /></div>}
    </div>
  );
}
