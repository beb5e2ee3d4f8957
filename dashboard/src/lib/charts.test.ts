import { chartOptions, dayLabel } from './charts';

/** The Reports page's webhook chart: stacked bars on y, a rate line on a second axis on the right. */
const mixed = () => ({
  maintainAspectRatio: false,
  scales: {
    x: { stacked: true },
    y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
    rate: { position: 'right', min: 0, max: 100 },
  },
});

describe('chartOptions', () => {
  it('draws a chart right to left in Arabic: legend, tooltip, reversed x, y on the right, second axis on the left', () => {
    const o = chartOptions(mixed(), 'ar');
    expect(o.locale).toBe('ar');
    expect(o.plugins?.legend).toEqual({ rtl: true, textDirection: 'rtl' });
    expect(o.plugins?.tooltip).toEqual({ rtl: true, textDirection: 'rtl' });
    expect(o.scales.x).toEqual({ stacked: true, reverse: true });
    expect(o.scales.y).toEqual({ stacked: true, beginAtZero: true, ticks: { precision: 0 }, position: 'right' });
    expect(o.scales.rate).toEqual({ position: 'left', min: 0, max: 100 });
    expect(o.maintainAspectRatio).toBe(false);
  });

  it('says left to right in English, the second axis staying on the right', () => {
    const o = chartOptions(mixed(), 'en');
    expect(o.locale).toBe('en');
    expect(o.plugins?.legend).toEqual({ rtl: false, textDirection: 'ltr' });
    expect(o.plugins?.tooltip).toEqual({ rtl: false, textDirection: 'ltr' });
    expect(o.scales.x?.reverse).toBe(false);
    expect(o.scales.y?.position).toBe('left');
    expect(o.scales.rate?.position).toBe('right');
  });

  it('mirrors a horizontal bar chart (the value axis is x) and a chart given no scales, keeping its plugins', () => {
    const funnel = { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true } } };
    const o = chartOptions(funnel, 'ar');
    expect(o.scales?.x).toEqual({ beginAtZero: true, reverse: true });
    expect(o.scales?.y).toEqual({ position: 'right' });
    expect(o.plugins?.legend).toEqual({ display: false, rtl: true, textDirection: 'rtl' });
    expect(chartOptions({}, 'ar').scales).toEqual({ x: { reverse: true }, y: { position: 'right' } });
  });

  it('tells horizontal scales by axis, position or ID, and keeps a reversed scale reversed relative to the direction', () => {
    const o = chartOptions({ scales: { x2: {}, when: { position: 'bottom' }, pct: { axis: 'y' }, down: { axis: 'x', reverse: true } } }, 'ar');
    expect(o.scales.x2?.reverse).toBe(true);
    expect(o.scales.when?.reverse).toBe(true);
    expect(o.scales.pct).toEqual({ axis: 'y', position: 'right' });
    expect(o.scales.down?.reverse).toBe(false);
    expect(chartOptions({ scales: { down: { axis: 'x', reverse: true } } }, 'en').scales.down?.reverse).toBe(true);
  });

  it('changes nothing in the options it is given', () => {
    const given = mixed();
    chartOptions(given, 'ar');
    expect(given).toEqual(mixed());
  });
});

describe('dayLabel', () => {
  it("writes a report's UTC day in the language (digits as Intl writes them for 'ar', like the app's other dates)", () => {
    expect(dayLabel('2026-12-03', 'en')).toBe('Dec 3');
    expect(dayLabel('2026-12-03', 'ar')).toMatch(/^(3|٣) ديسمبر$/);
    expect(dayLabel('2026-12-31', 'ar')).toBe(new Intl.DateTimeFormat('ar', { day: 'numeric', month: 'short' }).format(new Date(2026, 11, 31)));
    expect(dayLabel('not a day', 'ar')).toBe('not a day');
  });
});

describe('every chart of the app', () => {
  it('takes its options from lib/charts and names its canvas (PrimeReact puts ariaLabel on the role="img" canvas)', () => {
    const sources = import.meta.glob<string>('/src/**/*.tsx', { eager: true, query: '?raw', import: 'default' });
    const charts = Object.entries(sources).filter(([, s]) => s.includes("from 'primereact/chart'"));
    expect(charts.length).toBeGreaterThanOrEqual(3);
    for (const [file, s] of charts) {
      expect(s, file).toContain("from '@/lib/charts'");
      const tags = s.match(/<Chart\b[^>]*?\/>/gs) ?? [];
      expect(tags.length, file).toBeGreaterThan(0);
      for (const tag of tags) {
        expect(tag, file).toMatch(/options=\{(chart\.options\(|options\}|stacked\})/);
        expect(tag, file).toMatch(/\bariaLabel=\{/);
      }
    }
  });
});
