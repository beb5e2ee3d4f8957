import { useTranslation } from 'react-i18next';
import { Chart } from 'primereact/chart';
import { useChartLocale } from '@/lib/charts';

/** The chart types the Reports page draws, with neutral labels: category and dataset numbers, and values that are
 *  only their positions (no business data). Loaded lazily by the UI kit page, so chart.js is fetched only when this
 *  tab is opened. */
const colors = ['#3b82f6', '#0f766e', '#ef4444', '#94a3b8'];
const categories = [1, 2, 3, 4, 5];

export default function ChartsTab() {
  const { t } = useTranslation();
  const chart = useChartLocale();
  const labels = categories.map((n) => t('uikit.charts.category', { n }));
  const series = (i: number) => t('uikit.charts.dataset', { n: i + 1 });
  const stacked = {
    labels,
    datasets: [0, 1, 2].map((i) => ({
      label: series(i), stack: 'a', backgroundColor: colors[i], data: categories.map((n) => ((n + i) % 3) + 1),
    })),
  };
  const horizontal = {
    labels: [0, 1, 2].map(series),
    datasets: [{ label: t('uikit.charts.horizontal'), data: [3, 2, 1], backgroundColor: colors.slice(0, 3) }],
  };
  const mixed = {
    labels,
    datasets: [
      { type: 'bar' as const, label: series(0), backgroundColor: colors[0], data: categories.map((n) => n), stack: 'a', yAxisID: 'y' },
      { type: 'bar' as const, label: series(1), backgroundColor: colors[3], data: categories.map(() => 1), stack: 'a', yAxisID: 'y' },
      { type: 'line' as const, label: series(2), borderColor: colors[2], data: categories.map((n) => n * 20), yAxisID: 'pct' },
    ],
  };
  return (
    <div className="grid">
      <div className="col-12 lg:col-6">
        <h3 className="mt-0">{t('uikit.charts.stacked')}</h3>
        <p className="wq-muted mt-0">{t('uikit.charts.stackedUsage')}</p>
        <Chart type="bar" data={stacked} style={{ blockSize: '16rem' }} ariaLabel={t('uikit.charts.stacked')}
          options={chart.options({ maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } })} />
      </div>
      <div className="col-12 lg:col-6">
        <h3 className="mt-0">{t('uikit.charts.horizontal')}</h3>
        <p className="wq-muted mt-0">{t('uikit.charts.horizontalUsage')}</p>
        <Chart type="bar" data={horizontal} style={{ blockSize: '16rem' }} ariaLabel={t('uikit.charts.horizontal')}
          options={chart.options({ indexAxis: 'y', maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } })} />
      </div>
      <div className="col-12">
        <h3 className="mt-0">{t('uikit.charts.mixed')}</h3>
        <p className="wq-muted mt-0">{t('uikit.charts.mixedUsage')}</p>
        <Chart type="bar" data={mixed} style={{ blockSize: '16rem' }} ariaLabel={t('uikit.charts.mixed')}
          options={chart.options({
            maintainAspectRatio: false,
            scales: {
              x: { stacked: true },
              y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
              pct: { position: 'right', min: 0, max: 100, grid: { drawOnChartArea: false } },
            },
          })} />
      </div>
    </div>
  );
}
